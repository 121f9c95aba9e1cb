namespace Chaperone.Scheduling;

public enum SessionStatus
{
    Scheduled,
    Live,
    Ended,
    Cancelled,
}

public enum SessionKind
{
    Support,
    Pastoral,
}

/// <summary>
/// A 1:1 support or pastoral video session. Instants are stored in UTC; the school's zone gives
/// local times. <see cref="Sequence"/> rises with every reschedule (it becomes the calendar
/// invite's SEQUENCE).
/// </summary>
public sealed class Session
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid TeacherId { get; set; }
    public SessionKind Kind { get; set; }
    public SessionStatus Status { get; set; } = SessionStatus.Scheduled;
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public int DurationMinutes { get; set; }
    public string Provider { get; set; } = CallProviders.BuiltIn;
    public DateTimeOffset BookedAt { get; set; }
    public Guid BookedById { get; set; }
    public int Sequence { get; set; }
    public DateTimeOffset? RescheduledAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public Guid? CancelledById { get; set; }
    public string? CancellationReason { get; set; }

    public List<SessionPupil> Pupils { get; set; } = [];
    public List<SessionGuardian> Guardians { get; set; } = [];

    /// <summary>Sessions that still hold their participants' time.</summary>
    public static readonly SessionStatus[] Active = [SessionStatus.Scheduled, SessionStatus.Live];
}

/// <summary>
/// A pupil in a session. <see cref="Start"/> and <see cref="End"/> repeat the session's times so
/// that a person's sessions in a range are found through one index (person, start) however many
/// sessions the person or the school holds; the context copies them from the session on every
/// save (<see cref="Storage.ChaperoneDbContext"/>). A booking, which writes its rows without the
/// context (<see cref="Storage.RowWrite"/>), sets them itself.
/// </summary>
public sealed class SessionPupil
{
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public Guid PupilId { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
}

/// <summary>A guardian invited to a session; <see cref="Start"/> and <see cref="End"/> as on <see cref="SessionPupil"/>.</summary>
public sealed class SessionGuardian
{
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public Guid GuardianId { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
}

public static class CallProviders
{
    public const string BuiltIn = "builtin";
    public const string Teams = "teams";
}
