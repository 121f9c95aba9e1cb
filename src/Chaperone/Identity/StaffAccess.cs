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
/// <item>staff whose access an admin has ended (<see cref="People.StaffMember.AccessEndedAt"/>): a
/// sign-in cookie or API token issued before is refused on the next request, on the instance where
/// the admin ended it at once and on others within <see cref="Recheck"/>. A page request is signed
/// out and sent to sign in; an API request is answered 401;</item>
/// <item>staff signed in with a password an admin set (<see cref="People.StaffMember.MustChangePassword"/>)
/// choose their own before anything else: pages send them to the password page (two-factor
/// enrolment and signing out stay open), the API answers 403 except under <c>/api/v1/auth</c>.</item>
/// </list>
/// </summary>
/// <remarks>An account's standing is read from the database at most once per <see cref="Recheck"/>
/// per account and instance, so the check costs a request a lookup in memory.</remarks>
public sealed class StaffAccess(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, (Standing Standing, DateTimeOffset ReadAt)> _known = new();

    /// <summary>Where an account stands: whether its access has ended (or the account is gone), and whether it must choose its own password.</summary>
    public readonly record struct Standing(bool Ended, bool MustChangePassword);

    /// <summary>Whether the access of <paramref name="userId"/> has ended (or the account is gone).</summary>
    public async ValueTask<bool> HasEndedAsync(Guid userId, CancellationToken ct) => (await StandingOfAsync(userId, ct)).Ended;

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
        var account = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.AccessEndedAt, u.MustChangePassword }).FirstOrDefaultAsync(ct);
        var standing = new Standing(account is null || account.AccessEndedAt is not null, account?.MustChangePassword == true);
        _known[userId] = (standing, now);
        return standing;
    }

    /// <summary>Forgets what is known of <paramref name="userId"/>, after this instance changed their access or password.</summary>
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
    /// <summary>Where staff who must choose their own password may still go: the password and two-factor pages, signing out, and the API's own sign-in endpoints.</summary>
    private static readonly PathString[] OpenUntilPasswordChosen = ["/account", "/signout", "/signin", "/api/v1/auth"];

    public const string PasswordChangeRequired = "Choose your own password first.";

    /// <summary>Holds the requests of signed-in staff to their account's standing (<see cref="StaffAccess"/>); after authentication.</summary>
    public static IApplicationBuilder UseStaffAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || !user.HasClaim(c => c.Type == ChaperoneClaims.School))
        {
            await next(context);
            return;
        }
        var standing = await context.RequestServices.GetRequiredService<StaffAccess>().StandingOfAsync(user.UserId(), context.RequestAborted);
        var path = context.Request.Path;
        var api = path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");
        if (standing.Ended)
        {
            if (api)
            {
                await Results.Problem(title: "Your access has ended.", detail: "An admin of your school has ended this account's access.",
                    statusCode: StatusCodes.Status401Unauthorized, type: "https://chaperone.school/problems/access-ended").ExecuteAsync(context);
                return;
            }
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            context.Response.Redirect("/signin");
            return;
        }
        if (standing.MustChangePassword && !OpenUntilPasswordChosen.Any(open => path.StartsWithSegments(open)))
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
        await next(context);
    });
}

/// <summary>
/// A hub connection opened before a member of staff's access ended stays open until it sends
/// again: then it is refused and closed (<see cref="StaffAccess"/>), on whichever instance holds it.
/// Families' connections carry no staff sign-in and pass.
/// </summary>
public sealed class StaffAccessHubFilter(StaffAccess access) : Microsoft.AspNetCore.SignalR.IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(Microsoft.AspNetCore.SignalR.HubInvocationContext invocationContext,
        Func<Microsoft.AspNetCore.SignalR.HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        if (context.User is { Identity.IsAuthenticated: true } user && user.HasClaim(c => c.Type == ChaperoneClaims.School)
            && await access.HasEndedAsync(user.UserId(), context.ConnectionAborted))
        {
            context.Abort();
            throw new Microsoft.AspNetCore.SignalR.HubException("Your access has ended.");
        }
        return await next(invocationContext);
    }
}
