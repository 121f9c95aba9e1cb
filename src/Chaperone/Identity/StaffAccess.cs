using System.Collections.Concurrent;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Identity;

/// <summary>
/// Holds signed-in staff to their account's standing on every request:
/// <list type="bullet">
/// <item>staff whose access an admin has ended (<see cref="People.StaffMember.AccessEndedAt"/>),
/// and sign-ins made before the account's security stamp last changed (a new password, whether
/// chosen, reset by an admin or through an emailed link; two-factor sign-in turned on or off; new
/// roles): a sign-in cookie or API token issued before is refused on the next request, on the
/// instance where the change was made at once and on others within <see cref="Recheck"/>. A page
/// request is signed out and sent to sign in; an API request is answered 401. Whoever made a
/// change to their own account carries on: their cookie is reissued with the new stamp, and a
/// password change through the API answers with a new token;</item>
/// <item>staff signed in with a password an admin set (<see cref="People.StaffMember.MustChangePassword"/>)
/// choose their own before anything else: pages send them to the password page (two-factor
/// enrolment and signing out stay open), the API answers 403 except under <c>/api/v1/auth</c>;</item>
/// <item>the DSL and senior leaders signed in without a second factor (before they have turned it
/// on) do nothing else until they sign in with two factors: pages send them to turn it on, the API
/// answers 403 (<c>two-factor-required</c>) except under <c>/api/v1/auth</c>.</item>
/// </list>
/// </summary>
/// <remarks>An account's standing is read from the database at most once per <see cref="Recheck"/>
/// per account and instance, so the check costs a request a lookup in memory. A sign-in whose stamp
/// differs from the one remembered is checked against the database before it is refused, in case
/// this instance read the account before the change that gave the sign-in its stamp.</remarks>
public sealed class StaffAccess(IServiceScopeFactory scopes, TimeProvider clock, Microsoft.Extensions.Options.IOptions<IdentityOptions> identity)
{
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, (Standing Standing, DateTimeOffset ReadAt)> _known = new();

    /// <summary>Where an account stands: whether its access has ended (or the account is gone), whether it must choose its own password, and its security stamp.</summary>
    public readonly record struct Standing(bool Ended, bool MustChangePassword, string? Stamp);

    /// <summary>What a sign-in may do now.</summary>
    public enum SignIn
    {
        Stands,
        /// <summary>An admin ended the account's access, or the account is gone.</summary>
        AccessEnded,
        /// <summary>The account's security stamp changed since this sign-in was made.</summary>
        Superseded,
        /// <summary>The sign-in stands, but its holder must choose their own password first.</summary>
        MustChangePassword,
    }

    /// <summary>What the signed-in <paramref name="user"/> (a member of staff) may do now.</summary>
    public async ValueTask<SignIn> CheckAsync(System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var userId = user.UserId();
        var stamp = user.FindFirst(identity.Value.ClaimsIdentity.SecurityStampClaimType)?.Value;
        var standing = await StandingOfAsync(userId, ct);
        if (!standing.Ended && stamp != standing.Stamp)
        {
            // This instance may have read the account before the change that gave the sign-in its stamp.
            Forget(userId);
            standing = await StandingOfAsync(userId, ct);
        }
        return standing.Ended ? SignIn.AccessEnded
            : stamp != standing.Stamp ? SignIn.Superseded
            : standing.MustChangePassword ? SignIn.MustChangePassword
            : SignIn.Stands;
    }

    /// <summary>Where <paramref name="userId"/>'s account stands, as read at most <see cref="Recheck"/> ago on this instance.</summary>
    public async ValueTask<Standing> StandingOfAsync(Guid userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_known.TryGetValue(userId, out var known) && now - known.ReadAt < Recheck)
        {
            return known.Standing;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var account = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.AccessEndedAt, u.MustChangePassword, u.SecurityStamp }).FirstOrDefaultAsync(ct);
        var standing = new Standing(account is null || account.AccessEndedAt is not null, account?.MustChangePassword == true, account?.SecurityStamp);
        _known[userId] = (standing, now);
        return standing;
    }

    /// <summary>Forgets what is known of <paramref name="userId"/>, after this instance changed their account (its access, password or security stamp).</summary>
    public void Forget(Guid userId) => _known.TryRemove(userId, out _);

    /// <summary>
    /// The account a sign-in as <paramref name="email"/> is for, or null when there is none to try:
    /// a leaver's address is answered as one with no account, and their school's trail notes the
    /// try (<paramref name="how"/> names the way they tried).
    /// </summary>
    public static async Task<People.StaffMember?> FindForSignInAsync(UserManager<People.StaffMember> users, ChaperoneDbContext db, string email, string how)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user?.AccessEndedAt is null)
        {
            return user;
        }
        await TwoFactor.AuditSignInAsync(db, user, succeeded: false, how, "access ended");
        return null;
    }
}

public static class StaffAccessMiddleware
{
    /// <summary>Where staff who must first choose their own password, or turn on two factors, may still go: the password and two-factor pages, signing out, and the API's own sign-in endpoints.</summary>
    private static readonly PathString[] OpenToFinishSigningIn = ["/account", "/signout", "/signin", "/api/v1/auth"];

    public const string PasswordChangeRequired = "Choose your own password first.";

    public const string TwoFactorRequired = "Sign in with two factors first.";

    public const string SignInEnded = "Your sign-in has ended.";

    private const string Unfinished = "chaperone.sign-in-unfinished";

    /// <summary>
    /// Whether the signed-in member of staff has still to choose their own password or turn on two
    /// factors: their pages are only those that finish signing in, and the staff hub refuses them
    /// (403), so those pages do not open its connection.
    /// </summary>
    public static bool SignInUnfinished(HttpContext context) => context.Items.ContainsKey(Unfinished);

    /// <summary>Holds the requests of signed-in staff to their account's standing (<see cref="StaffAccess"/>); after authentication.</summary>
    public static IApplicationBuilder UseStaffAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || !user.HasClaim(c => c.Type == ChaperoneClaims.School))
        {
            await next(context);
            return;
        }
        var signIn = await context.RequestServices.GetRequiredService<StaffAccess>().CheckAsync(user, context.RequestAborted);
        var path = context.Request.Path;
        var api = path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");
        if (signIn is StaffAccess.SignIn.AccessEnded or StaffAccess.SignIn.Superseded)
        {
            if (api)
            {
                await (signIn == StaffAccess.SignIn.AccessEnded
                    ? Results.Problem(title: "Your access has ended.", detail: "An admin of your school has ended this account's access.",
                        statusCode: StatusCodes.Status401Unauthorized, type: "https://chaperone.school/problems/access-ended")
                    : Results.Problem(title: SignInEnded, detail: "This account's password or sign-in settings changed since this token was issued. Sign in again.",
                        statusCode: StatusCodes.Status401Unauthorized, type: "https://chaperone.school/problems/sign-in-ended")).ExecuteAsync(context);
                return;
            }
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            context.Response.Redirect("/signin");
            return;
        }
        var twoFactorMissing = TwoFactor.IsRequiredFor(user) && !TwoFactor.SignedInWithTwoFactors(user);
        if (signIn == StaffAccess.SignIn.MustChangePassword || twoFactorMissing)
        {
            context.Items[Unfinished] = true;
        }
        if (signIn == StaffAccess.SignIn.MustChangePassword && !OpenToFinishSigningIn.Any(open => path.StartsWithSegments(open)))
        {
            if (api)
            {
                await Results.Problem(title: PasswordChangeRequired,
                    detail: "An admin set this account's password. Choose your own (POST /api/v1/auth/password with currentPassword and newPassword) before anything else.",
                    statusCode: StatusCodes.Status403Forbidden, type: "https://chaperone.school/problems/password-change-required").ExecuteAsync(context);
                return;
            }
            context.Response.Redirect(Pages.Account.PasswordModel.PagePath + "?returnUrl=" + Uri.EscapeDataString(context.Request.PathBase + path + context.Request.QueryString));
            return;
        }
        if (twoFactorMissing && !OpenToFinishSigningIn.Any(open => path.StartsWithSegments(open)))
        {
            // The DSL and senior leaders reach every session's record, recordings and the school's
            // people: they sign in with two factors before anything else, as DESIGN asks.
            if (api)
            {
                await Results.Problem(title: TwoFactorRequired,
                    detail: "The designated safeguarding lead and senior leaders sign in with two factors. Turn two-factor sign-in on at /account/two-factor, then sign in again with your code (twoFactorCode).",
                    statusCode: StatusCodes.Status403Forbidden, type: "https://chaperone.school/problems/two-factor-required").ExecuteAsync(context);
                return;
            }
            context.Response.Redirect(TwoFactor.PagePath + "?returnUrl=" + Uri.EscapeDataString(context.Request.PathBase + path + context.Request.QueryString));
            return;
        }
        await next(context);
    });
}

/// <summary>
/// A hub connection opened before a member of staff's access ended (or their sign-in was
/// superseded) stays open until it sends again: then it is refused and closed
/// (<see cref="StaffAccess"/>), on whichever instance holds it. Families' connections carry no
/// staff sign-in and pass.
/// </summary>
public sealed class StaffAccessHubFilter(StaffAccess access) : Microsoft.AspNetCore.SignalR.IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(Microsoft.AspNetCore.SignalR.HubInvocationContext invocationContext,
        Func<Microsoft.AspNetCore.SignalR.HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        if (context.User is { Identity.IsAuthenticated: true } user && user.HasClaim(c => c.Type == ChaperoneClaims.School)
            && await access.CheckAsync(user, context.ConnectionAborted) is StaffAccess.SignIn.AccessEnded or StaffAccess.SignIn.Superseded)
        {
            context.Abort();
            throw new Microsoft.AspNetCore.SignalR.HubException("Your sign-in has ended.");
        }
        return await next(invocationContext);
    }
}
