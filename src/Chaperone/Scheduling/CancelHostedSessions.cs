using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Scheduling;

/// <summary>A session left as it was, and why.</summary>
public sealed record NotCancelledDto(string SessionId, string Reason);

/// <summary>What cancelling a leaver's upcoming sessions did: the sessions cancelled, and any left (started or changed meanwhile).</summary>
public sealed record HostedSessionsCancelledDto(IReadOnlyList<string> Cancelled, IReadOnlyList<NotCancelledDto> NotCancelled);

/// <summary>
/// Cancels the upcoming sessions hosted by a member of staff whose access has ended: they cannot
/// take place without their host (clause 4: a teacher host). Each is cancelled as the admin would
/// cancel it from its page (<see cref="CancelSession"/>): with the reason, which goes to the
/// families (clause 8), its call provider's meeting cancelled, each in the audit trail. A session
/// under way is left to end. Only for leavers: anyone else's sessions are cancelled one by one.
/// </summary>
public sealed class CancelHostedSessions(ChaperoneDbContext db, CancelSession cancel, TimeProvider clock)
{
    public async Task<PeopleOutcome<HostedSessionsCancelledDto>> HandleAsync(ClaimsPrincipal admin, string? staffId, CancelRequest request, CancellationToken ct)
    {
        var schoolId = admin.SchoolId();
        var host = Ids.TryParse(staffId, out var hostId)
            ? await db.Users.AsNoTracking().Where(u => u.Id == hostId && u.SchoolId == schoolId).Select(u => new { u.Name, u.AccessEndedAt }).FirstOrDefaultAsync(ct)
            : null;
        if (host is null)
        {
            return new PeopleOutcome<HostedSessionsCancelledDto>.Missing("No member of staff with this id in your school.");
        }
        if (host.AccessEndedAt is null)
        {
            return new PeopleOutcome<HostedSessionsCancelledDto>.Invalid(new()
            {
                ["access"] = [$"{host.Name} still has access: end it first, or cancel their sessions one by one from each session's page."],
            });
        }
        var errors = RequestValidation.CheckCancel(request);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<HostedSessionsCancelledDto>.Invalid(errors);
        }
        var cancelled = new List<string>();
        var left = new List<NotCancelledDto>();
        foreach (var sessionId in await UpcomingQuery(db, schoolId, hostId, clock.GetUtcNow()).OrderBy(s => s.Start).Select(s => s.Id).ToListAsync(ct))
        {
            var outcome = await cancel.HandleAsync(admin, sessionId, request, ct);
            if (outcome is SessionOutcome.Done)
            {
                cancelled.Add(Ids.Format(sessionId));
                continue;
            }
            // Started or changed meanwhile: nothing of it is kept, and the others go on.
            db.ChangeTracker.Clear();
            left.Add(new NotCancelledDto(Ids.Format(sessionId), outcome switch
            {
                SessionOutcome.WrongState w => w.Detail,
                _ => "It could not be cancelled; open it and try again.",
            }));
        }
        return new PeopleOutcome<HostedSessionsCancelledDto>.Done(new HostedSessionsCancelledDto(cancelled, left));
    }

    /// <summary>How many upcoming sessions each leaver of the school still hosts (those with none are left out).</summary>
    public static async Task<Dictionary<Guid, int>> LeaversWithUpcomingAsync(ChaperoneDbContext db, Guid schoolId, DateTimeOffset now, CancellationToken ct) =>
        await db.Sessions.AsNoTracking()
            .Where(s => s.SchoolId == schoolId && s.Status == SessionStatus.Scheduled && s.Start > now
                && db.Users.Any(u => u.Id == s.TeacherId && u.AccessEndedAt != null))
            .GroupBy(s => s.TeacherId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    private static IQueryable<Session> UpcomingQuery(ChaperoneDbContext db, Guid schoolId, Guid hostId, DateTimeOffset now) =>
        db.Sessions.Where(s => s.SchoolId == schoolId && s.TeacherId == hostId && s.Status == SessionStatus.Scheduled && s.Start > now);
}
