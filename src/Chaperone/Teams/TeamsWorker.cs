using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Teams;

/// <summary>
/// Keeps every Teams session's meeting in step, in the background: creates meetings that could
/// not be created when booked (with back-off), checks options of upcoming meetings, locks
/// meetings after their session, and reads attendance until it is in and recordings (through each
/// organizer's recordings delta) until they are in.
/// </summary>
public sealed class TeamsWorker(IServiceScopeFactory scopes, TimeProvider clock, TeamsConnections connections, ILogger<TeamsWorker> log) : PeriodicWorker(clock, log)
{
    /// <summary>How long after a session's end its meeting is locked and its reports are looked for.</summary>
    public static readonly TimeSpan AfterEnd = TimeSpan.FromMinutes(15);

    protected override bool Enabled => connections.Options.RunWorker;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(5, connections.Options.WorkerIntervalSeconds));

    /// <summary>One pass over the meetings that need something.</summary>
    public override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = Clock.GetUtcNow();
        var afterEnd = now - AfterEnd;
        var work = await db.Set<TeamsMeeting>().AsNoTracking()
            .Join(db.Sessions, m => m.SessionId, s => s.Id, (m, s) => new { m.SchoolId, m.SessionId, m.OrganizerUserId, m.State, m.NextAttemptAt, m.AttendanceReadAt, m.RecordingsReadAt, s.Status, s.End })
            .Where(x => x.Status != SessionStatus.Cancelled && x.State != TeamsMeetingState.Cancelled)
            // A meeting whose last step failed waits out its back-off, whatever the step.
            .Where(x => x.NextAttemptAt == null || x.NextAttemptAt <= now)
            .Where(x => x.State == TeamsMeetingState.Pending
                || (x.State == TeamsMeetingState.Created && x.End <= afterEnd)
                || (x.State == TeamsMeetingState.Locked && (x.AttendanceReadAt == null || x.RecordingsReadAt == null)))
            // Meetings still to be made come first (their sessions are ahead), then those to lock,
            // earliest session first; then reports to read, taking turns: each look moves a meeting
            // behind those not looked at since (its NextAttemptAt), so that more than a pass's worth
            // of meetings whose reports are slow to come cannot keep a newer one from being read.
            .OrderBy(x => x.State == TeamsMeetingState.Pending ? 0 : x.State == TeamsMeetingState.Created ? 1 : 2)
            .ThenBy(x => x.State == TeamsMeetingState.Locked ? x.NextAttemptAt ?? x.End : x.End)
            .ThenBy(x => x.SessionId)
            .Take(50)
            .ToListAsync(ct);
        // The recordings delta is per organizer: one poll serves all of an organizer's meetings.
        var polled = new HashSet<(Guid, string?)>();
        var lookedAt = new List<Guid>();
        foreach (var item in work)
        {
            await using var itemScope = scopes.CreateAsyncScope();
            var teams = itemScope.ServiceProvider.GetRequiredService<TeamsMeetings>();
            if (item.State == TeamsMeetingState.Pending)
            {
                await teams.CreateAsync(item.SchoolId, item.SessionId, ct);
            }
            else if (item.State == TeamsMeetingState.Created)
            {
                await teams.LockAsync(item.SchoolId, item.SessionId, ct);
            }
            else
            {
                if (item.AttendanceReadAt is null)
                {
                    await teams.ReadAttendanceAsync(item.SchoolId, item.SessionId, ct);
                }
                if (item.RecordingsReadAt is null && polled.Add((item.SchoolId, item.OrganizerUserId)))
                {
                    await teams.ReadRecordingsAsync(item.SchoolId, item.SessionId, ct);
                }
                lookedAt.Add(item.SessionId);
            }
        }
        if (lookedAt.Count > 0)
        {
            // Every meeting whose reports this pass looked for (itself, or through its organizer's
            // poll of recordings) takes its turn behind those not looked at since; a back-off that
            // a failed read has just set is kept.
            await db.Set<TeamsMeeting>()
                .Where(m => lookedAt.Contains(m.SessionId) && (m.NextAttemptAt == null || m.NextAttemptAt < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), ct);
        }
    }
}
