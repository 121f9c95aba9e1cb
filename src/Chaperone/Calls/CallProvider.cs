using Chaperone.Scheduling;

namespace Chaperone.Calls;

/// <summary>Where a session's call happens and what it reported back: attendance and recordings.</summary>
public sealed record CallReport(IReadOnlyList<AttendanceEntry> Attendance, IReadOnlyList<RecordingSummary> Recordings);

/// <summary>
/// One join or leave of one participant, with its time (clause 11). <paramref name="Role"/> is
/// <c>teacher</c>, <c>guardian</c> or <c>uninvited</c> when the provider knows it (the built-in
/// room names the role in <paramref name="Participant"/> instead).
/// </summary>
public sealed record AttendanceEntry(string Participant, string Name, string Change, DateTimeOffset At, string? Role = null);

/// <summary>A recording of a session's call (clause 2).</summary>
public sealed record RecordingSummary(Guid Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Chunks, long Bytes);

/// <summary>What creating or changing a call produced: the address people join at, or why it could not be done.</summary>
public abstract record CallOutcome
{
    public sealed record Ready(string JoinPath) : CallOutcome;
    public sealed record Failed(string Reason) : CallOutcome;
}

/// <summary>What deleting a provider's own copies of a session's recordings came to (clause 2, at retention).</summary>
public abstract record ProviderCopiesOutcome
{
    /// <summary>The provider holds no copies (the built-in room keeps none; or there was never a meeting).</summary>
    public sealed record NoneHeld : ProviderCopiesOutcome;
    public sealed record Deleted : ProviderCopiesOutcome;
    /// <summary>Not done (the provider is unreachable, say); try again later.</summary>
    public sealed record Failed(string Reason) : ProviderCopiesOutcome;
}

/// <summary>
/// A session's call provider (<see cref="Session.Provider"/>): the built-in room by default.
/// Providers create, update and cancel the call that goes with a booking, and report back who
/// joined and left when, and what was recorded, so that clauses 2 and 11 can be evidenced
/// whichever platform ran the call.
/// </summary>
public interface ICallProvider
{
    /// <summary>The value stored in <see cref="Session.Provider"/>.</summary>
    string Name { get; }

    Task<CallOutcome> CreateAsync(Session session, CancellationToken ct);

    Task<CallOutcome> UpdateAsync(Session session, CancellationToken ct);

    Task<CallOutcome> CancelAsync(Session session, CancellationToken ct);

    Task<CallReport> ReportAsync(Session session, CancellationToken ct);

    /// <summary>Deletes the provider's own copies of the session's recordings, if it keeps any (idempotent).</summary>
    Task<ProviderCopiesOutcome> DeleteCopiesAsync(Session session, CancellationToken ct);
}

/// <summary>Finds the provider a session names.</summary>
public sealed class CallProviderResolver(IEnumerable<ICallProvider> providers)
{
    public ICallProvider? For(Session session) => providers.FirstOrDefault(p => p.Name == session.Provider);
}
