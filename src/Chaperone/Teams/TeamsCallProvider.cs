using System.Text.Json;
using Chaperone.Calls;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Teams;

/// <summary>
/// Microsoft Teams as a session's call provider: the calendar-backed meeting of
/// <see cref="TeamsMeetings"/>, and what Teams reported afterwards (attendance reports, recordings
/// copied into Chaperone's store). A meeting that could not be made yet is a failed outcome whose
/// reason the teacher sees; the Teams worker keeps trying.
/// </summary>
public sealed class TeamsCallProvider(ChaperoneDbContext db, TeamsMeetings teams) : ICallProvider
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name => CallProviders.Teams;

    public async Task<CallOutcome> CreateAsync(Session session, CancellationToken ct) =>
        ToCall(await teams.CreateAsync(session.SchoolId, session.Id, ct));

    public async Task<CallOutcome> UpdateAsync(Session session, CancellationToken ct) =>
        ToCall(await teams.UpdateAsync(session.SchoolId, session.Id, ct));

    public async Task<CallOutcome> CancelAsync(Session session, CancellationToken ct) =>
        ToCall(await teams.CancelAsync(session.SchoolId, session.Id, session.CancellationReason ?? "", ct));

    public async Task<CallReport> ReportAsync(Session session, CancellationToken ct)
    {
        var meeting = await db.Set<TeamsMeeting>().AsNoTracking().FirstOrDefaultAsync(m => m.SessionId == session.Id && m.SchoolId == session.SchoolId, ct);
        var attendance = meeting?.AttendanceJson is { } json ? JsonSerializer.Deserialize<TeamsAttendance>(json, Json) : null;
        var changes = (attendance?.People ?? [])
            .SelectMany(p => p.Intervals.SelectMany(i => new[]
            {
                new AttendanceEntry(p.Email ?? p.Name, p.Name, RoomEvents.Joined, i.Join, RoleOf(p.Kind)),
                new AttendanceEntry(p.Email ?? p.Name, p.Name, RoomEvents.Left, i.Leave, RoleOf(p.Kind)),
            }))
            .OrderBy(e => e.At)
            .ToList();
        var recordings = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == session.Id && r.SchoolId == session.SchoolId && r.DeletedAt == null)
            .OrderBy(r => r.StartedAt)
            .Select(r => new RecordingSummary(r.Id, r.StartedAt, r.LastChunkAt, r.Chunks, r.Bytes))
            .ToListAsync(ct);
        return new CallReport(changes, recordings);
    }

    private static string RoleOf(AttendeeKind kind) => kind switch
    {
        AttendeeKind.Teacher => "teacher",
        AttendeeKind.Family => "guardian",
        _ => "uninvited",
    };
    /// <summary>Teams' own copies: the recording files in the organizer's OneDrive (<see cref="TeamsMeetings.DeleteTeamsCopiesAsync"/>).</summary>
    public async Task<ProviderCopiesOutcome> DeleteCopiesAsync(Session session, CancellationToken ct) =>
        await teams.DeleteTeamsCopiesAsync(session.SchoolId, session.Id, ct) switch
        {
            TeamsOutcome.Done => new ProviderCopiesOutcome.Deleted(),
            TeamsOutcome.Pending pending => new ProviderCopiesOutcome.Failed(pending.Reason),
            _ => new ProviderCopiesOutcome.NoneHeld(),
        };

    private static CallOutcome ToCall(TeamsOutcome outcome) => outcome switch
    {
        TeamsOutcome.Done done => new CallOutcome.Ready(done.Meeting.JoinUrl ?? ""),
        TeamsOutcome.Pending pending => new CallOutcome.Failed(pending.Reason),
        _ => new CallOutcome.Failed("This session has no Teams meeting."),
    };
}
