namespace Chaperone.Compliance;

/// <summary>
/// What was checked or observed about a session at one stage (the booking's checks now; the
/// call's events as they are recorded), each item naming its clause. Appended and never edited.
/// <see cref="Sequence"/> is the session's booking sequence when it was recorded, so a
/// reschedule's checks supersede the booking's.
/// </summary>
public sealed class EvidenceRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    /// <summary>When it was recorded: <see cref="EvidenceStages"/>.</summary>
    public required string Stage { get; set; }
    public int Sequence { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public List<EvidenceItem> Items { get; set; } = [];
}

/// <summary>One finding about one clause, stored inside its <see cref="EvidenceRecord"/>.</summary>
public sealed class EvidenceItem
{
    public int Clause { get; set; }
    public required string Rule { get; set; }
    public bool Passed { get; set; }
    public required string Text { get; set; }
}

public static class EvidenceStages
{
    /// <summary>The checks made when a session is booked or rescheduled; a reschedule supersedes them.</summary>
    public const string Booking = "booking";
}
