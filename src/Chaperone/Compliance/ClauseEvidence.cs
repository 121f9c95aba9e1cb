namespace Chaperone.Compliance;

/// <summary>
/// One piece of evidence about a clause for a session, appended as things happen (booking,
/// rescheduling, the call itself) and never edited. <see cref="Sequence"/> is the session's
/// booking sequence when it was recorded, so a reschedule supersedes the booking-time evidence.
/// </summary>
public sealed class ClauseEvidence
{
    public long Id { get; init; }
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public int Clause { get; set; }
    /// <summary>When it was recorded: <see cref="EvidenceStages"/>.</summary>
    public required string Stage { get; set; }
    public required string Rule { get; set; }
    public bool Passed { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public int Sequence { get; set; }
}

public static class EvidenceStages
{
    /// <summary>The checks made when a session is booked or rescheduled; a reschedule supersedes them.</summary>
    public const string Booking = "booking";
}
