using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>
/// The built-in room: nothing to create elsewhere (the room is made when the teacher opens it),
/// and attendance and recordings are read from the room's own stored events.
/// </summary>
public sealed class BuiltInCallProvider(ChaperoneDbContext db) : ICallProvider
{
    public string Name => CallProviders.BuiltIn;

    public Task<CallOutcome> CreateAsync(Session session, CancellationToken ct) => Task.FromResult<CallOutcome>(new CallOutcome.Ready($"/sessions/{session.Id}/console"));

    public Task<CallOutcome> UpdateAsync(Session session, CancellationToken ct) => CreateAsync(session, ct);

    public Task<CallOutcome> CancelAsync(Session session, CancellationToken ct) => Task.FromResult<CallOutcome>(new CallOutcome.Ready(""));

    public async Task<CallReport> ReportAsync(Session session, CancellationToken ct)
    {
        var events = await db.Set<CallEventRecord>().AsNoTracking()
            .Where(e => e.SessionId == session.Id && e.SchoolId == session.SchoolId && (e.Kind == RoomEvents.Joined || e.Kind == RoomEvents.Left))
            .OrderBy(e => e.At).ThenBy(e => e.Sequence).ToListAsync(ct);
        var attendance = events.Select(e => new AttendanceEntry(e.Actor, e.Values().GetValueOrDefault("name") ?? "", e.Kind, e.At)).ToList();
        var recordings = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == session.Id && r.SchoolId == session.SchoolId && r.DeletedAt == null)
            .OrderBy(r => r.StartedAt).Select(r => new RecordingSummary(r.Id, r.StartedAt, r.LastChunkAt, r.Chunks, r.Bytes)).ToListAsync(ct);
        return new CallReport(attendance, recordings);
    }

    /// <summary>The built-in room's recordings are only in Chaperone's own store.</summary>
    public Task<ProviderCopiesOutcome> DeleteCopiesAsync(Session session, CancellationToken ct) => Task.FromResult<ProviderCopiesOutcome>(new ProviderCopiesOutcome.NoneHeld());
}
