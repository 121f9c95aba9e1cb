using System.Collections.Concurrent;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Identity;

/// <summary>
/// Ends the sign-ins of staff whose access an admin has ended (<see cref="People.StaffMember.AccessEndedAt"/>):
/// a sign-in cookie or API token issued before is refused on the next request, on the instance
/// where the admin ended it at once and on others within <see cref="Recheck"/>. A page request is
/// signed out and sent to sign in; an API request is answered 401.
/// </summary>
/// <remarks>Whether an account's access has ended is read from the database at most once per
/// <see cref="Recheck"/> per account and instance, so the check costs a request a lookup in memory.</remarks>
public sealed class StaffAccess(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, (bool Ended, DateTimeOffset ReadAt)> _known = new();

    /// <summary>Whether the access of <paramref name="userId"/> has ended (or the account is gone).</summary>
    public async ValueTask<bool> HasEndedAsync(Guid userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_known.TryGetValue(userId, out var known) && now - known.ReadAt < Recheck)
        {
            return known.Ended;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var account = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.AccessEndedAt }).FirstOrDefaultAsync(ct);
        var ended = account is null || account.AccessEndedAt is not null;
        _known[userId] = (ended, now);
        return ended;
    }

    /// <summary>Forgets what is known of <paramref name="userId"/>, after this instance changed their access.</summary>
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
    /// <summary>Refuses the requests of signed-in staff whose access has ended (<see cref="StaffAccess"/>); after authentication.</summary>
    public static IApplicationBuilder UseStaffAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true && user.HasClaim(c => c.Type == ChaperoneClaims.School)
            && await context.RequestServices.GetRequiredService<StaffAccess>().HasEndedAsync(user.UserId(), context.RequestAborted))
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
            {
                await Results.Problem(title: "Your access has ended.", detail: "An admin of your school has ended this account's access.",
                    statusCode: StatusCodes.Status401Unauthorized, type: "https://chaperone.school/problems/access-ended").ExecuteAsync(context);
                return;
            }
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            context.Response.Redirect("/signin");
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
