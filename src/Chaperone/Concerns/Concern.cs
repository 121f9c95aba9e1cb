using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Concerns;

/// <summary>Clause 12: inappropriate behaviour goes to the senior leadership team, safeguarding concerns to the DSL.</summary>
public enum ConcernKind
{
    Behaviour,
    Safeguarding,
}

/// <summary>A concern is a draft (its author's alone, still being written) until it is raised.</summary>
public enum ConcernStatus
{
    Draft,
    Raised,
}

/// <summary>
/// A behaviour or safeguarding concern (clause 12), with its chronology (<see cref="ConcernEntry"/>).
/// What was reported (summary, detail, the child's own words, the pupils, the session and the
/// moment) is fixed once raised: nothing in the app edits or deletes it, and corrections are
/// new entries of type <see cref="ConcernEntryTypes.Amendment"/>. The routing fields
/// (<see cref="NotifiedAt"/>, <see cref="AcknowledgedAt"/>, <see cref="EscalatedAt"/>) each change
/// once, by a conditional update, so that several app instances never notify, acknowledge or
/// escalate twice. Closing (<see cref="ClosedAt"/>) is the same kind of conditional update, undone
/// only by reopening; each is also an entry of the chronology.
/// </summary>
public sealed class Concern
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }

    /// <summary>1, 2, 3… within the school; cited as <see cref="Reference"/> (C-0001).</summary>
    public int Number { get; set; }
    public ConcernKind Kind { get; set; }
    public ConcernStatus Status { get; set; }

    public Guid RaisedById { get; set; }
    public required string RaisedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RaisedAt { get; set; }

    public required string Summary { get; set; }
    public string Detail { get; set; } = "";
    public string? ChildsOwnWords { get; set; }
    public Guid? SessionId { get; set; }

    /// <summary>The moment in the session's recording, in seconds from its start.</summary>
    public int? RecordingOffsetSeconds { get; set; }

    /// <summary>Behaviour: the senior leader it goes to (the school's named one, or the one the raiser picked).</summary>
    public Guid? RoutedToId { get; set; }

    /// <summary>When the alerts and emails were written (null: not yet; the worker sees to it).</summary>
    public DateTimeOffset? NotifiedAt { get; set; }

    /// <summary>Safeguarding: escalated to the head and deputies if nobody has acknowledged by then.</summary>
    public DateTimeOffset? EscalateAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }
    public Guid? AcknowledgedById { get; set; }
    public string? AcknowledgedByName { get; set; }

    /// <summary>When a handler closed it, its outcome decided (null: open, or reopened since).</summary>
    public DateTimeOffset? ClosedAt { get; set; }
    public Guid? ClosedById { get; set; }
    public string? ClosedByName { get; set; }

    public List<ConcernPupil> Pupils { get; set; } = [];

    public string Reference => ReferenceOf(Number);

    public static string ReferenceOf(int number) => $"C-{number:D4}";
}

/// <summary>A pupil a concern is about.</summary>
public sealed class ConcernPupil
{
    public Guid SchoolId { get; set; }
    public Guid ConcernId { get; set; }
    public Guid PupilId { get; set; }
}

/// <summary>One line of a concern's chronology: appended, never changed.</summary>
public sealed class ConcernEntry
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid ConcernId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The order of entries written at the same instant.</summary>
    public long Sequence { get; set; }
    /// <summary>One of <see cref="ConcernEntryTypes"/>.</summary>
    public required string Type { get; set; }
    public Guid? ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Text { get; set; }
}

/// <summary>The kinds of chronology entry.</summary>
public static class ConcernEntryTypes
{
    public const string Drafted = "drafted";
    public const string Raised = "raised";
    public const string AlertSent = "alert-sent";
    public const string EmailQueued = "email-queued";
    public const string Escalated = "escalated";
    public const string Acknowledged = "acknowledged";
    public const string Action = "action";
    public const string Outcome = "outcome";
    public const string Amendment = "amendment";
    public const string Closed = "closed";
    public const string Reopened = "reopened";

    /// <summary>The entries staff write by hand (the rest the system writes).</summary>
    public static IReadOnlyList<string> Written { get; } = [Action, Outcome, Amendment];

    public static string Label(string type) => type switch
    {
        Drafted => "Draft saved",
        Raised => "Raised",
        AlertSent => "Alert sent",
        EmailQueued => "Email queued",
        Escalated => "Escalated",
        Acknowledged => "Acknowledged",
        Action => "Action",
        Outcome => "Outcome",
        Amendment => "Amendment",
        Closed => "Closed",
        Reopened => "Reopened",
        _ => type,
    };
}

/// <summary>
/// A school's concern settings: how long a safeguarding concern may wait for acknowledgement
/// before it is escalated, who the headteacher is, and which senior leader receives behaviour
/// concerns. A school without a row has the defaults.
/// </summary>
public sealed class ConcernSettings
{
    public const int DefaultAcknowledgeWithinMinutes = 15;

    public Guid SchoolId { get; set; }
    public int AcknowledgeWithinMinutes { get; set; } = DefaultAcknowledgeWithinMinutes;
    public Guid? HeadteacherId { get; set; }
    public Guid? BehaviourLeadId { get; set; }
}

internal sealed class ConcernConfiguration : IEntityTypeConfiguration<Concern>
{
    public void Configure(EntityTypeBuilder<Concern> b)
    {
        b.ToTable("Concerns");
        b.Property(c => c.Id).ValueGeneratedNever();
        b.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(c => c.RaisedByName).HasMaxLength(200);
        b.Property(c => c.AcknowledgedByName).HasMaxLength(200);
        b.Property(c => c.ClosedByName).HasMaxLength(200);
        b.Property(c => c.Summary).HasMaxLength(RaiseConcern.MaxSummary);
        b.Property(c => c.Detail).HasMaxLength(RaiseConcern.MaxText);
        b.Property(c => c.ChildsOwnWords).HasMaxLength(RaiseConcern.MaxText);
        b.Ignore(c => c.Reference);
        b.HasIndex(c => new { c.SchoolId, c.Number }).IsUnique();
        // The worker's questions: raised but not yet notified; safeguarding due for escalation.
        b.HasIndex(c => new { c.Status, c.NotifiedAt });
        b.HasIndex(c => new { c.EscalateAt, c.EscalatedAt, c.AcknowledgedAt });
        b.HasIndex(c => new { c.SchoolId, c.RaisedById });
        b.HasOne<School>().WithMany().HasForeignKey(c => c.SchoolId);
        b.HasOne<Session>().WithMany().HasForeignKey(c => c.SessionId);
        b.HasOne<StaffMember>().WithMany().HasForeignKey(c => c.RaisedById).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Pupils).WithOne().HasForeignKey(p => p.ConcernId);
    }
}

internal sealed class ConcernPupilConfiguration : IEntityTypeConfiguration<ConcernPupil>
{
    public void Configure(EntityTypeBuilder<ConcernPupil> b)
    {
        b.ToTable("ConcernPupils");
        b.HasKey(p => new { p.ConcernId, p.PupilId });
        b.HasIndex(p => new { p.SchoolId, p.PupilId });
        b.HasOne<Pupil>().WithMany().HasForeignKey(p => p.PupilId);
    }
}

internal sealed class ConcernEntryConfiguration : IEntityTypeConfiguration<ConcernEntry>
{
    public void Configure(EntityTypeBuilder<ConcernEntry> b)
    {
        b.ToTable("ConcernEntries");
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.Type).HasMaxLength(32);
        b.Property(e => e.ActorName).HasMaxLength(200);
        b.Property(e => e.Text).HasMaxLength(RaiseConcern.MaxText);
        b.HasOne<Concern>().WithMany().HasForeignKey(e => e.ConcernId);
        b.HasIndex(e => new { e.ConcernId, e.At, e.Sequence });
        b.HasIndex(e => e.SchoolId);
    }
}

internal sealed class ConcernSettingsConfiguration : IEntityTypeConfiguration<ConcernSettings>
{
    public void Configure(EntityTypeBuilder<ConcernSettings> b)
    {
        b.ToTable("ConcernSettings");
        b.HasKey(s => s.SchoolId);
        b.HasOne<School>().WithMany().HasForeignKey(s => s.SchoolId);
    }
}
