using Chaperone.Scheduling;
using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Notifications;

/// <summary>What a message tells its reader.</summary>
public enum MessageKind
{
    Booked,
    Rescheduled,
    Cancelled,
    ReminderDayBefore,
    ReminderMorning,
    /// <summary>Clause 12: a concern was raised (content-free: that it exists and who raised it).</summary>
    ConcernRaised,
    /// <summary>Clause 12: a safeguarding concern was not acknowledged in time and went to the head and deputies again.</summary>
    ConcernEscalated,
    /// <summary>A member of staff's link to choose a new password, which they asked for (<see cref="Identity.ForgottenPasswords"/>).</summary>
    PasswordReset,
    /// <summary>Clause 11: a session's time is over and its teacher has not yet recorded its outcome (<see cref="Calls.OutcomeReminders"/>).</summary>
    OutcomeDue,
    /// <summary>Clause 11: a week after the session its outcome is still not recorded; to the senior leaders.</summary>
    OutcomeOverdue,
    /// <summary>A parent or carer said on their page that they cannot come (<see cref="Families.FamilyAbsence"/>); to the teacher.</summary>
    FamilyCannotCome,
    /// <summary>A parent or carer who had said they cannot come can after all; to the teacher.</summary>
    FamilyCanCome,
    /// <summary>A safeguarding concern draft was saved for a teacher without them (Teams' attendance report listed someone not invited); to the teacher, content-free.</summary>
    ConcernDraftWaiting,
    /// <summary>Someone was given, offered or lost the DSL or senior leader role (<see cref="People.SafeguardingRoleGrants"/>); to the school's other DSLs and senior leaders.</summary>
    SafeguardingRoleChanged,
    /// <summary>
    /// The DSL or senior leader role offered to a member of staff: the link to accept it
    /// (<see cref="People.SafeguardingRoleGrants.OfferAsync"/>), to them alone; kept only as long as
    /// the link lives (<see cref="Retention.RoleOfferLinksApplier"/>).
    /// </summary>
    SafeguardingRoleOffered,
}

/// <summary>Where a message is in its life.</summary>
public enum MessageStatus
{
    /// <summary>Waiting for its not-before time, or for a worker (possibly leased by one right now).</summary>
    Pending,
    /// <summary>The mail server accepted it.</summary>
    Sent,
    /// <summary>Refused for good, or given up after the configured number of attempts: a delivery problem staff must see.</summary>
    Failed,
    /// <summary>A reminder no longer true because its session moved, was cancelled or has begun; never sent.</summary>
    Superseded,
}

/// <summary>
/// One email, written in the same transaction as the change that caused it (clause 8: parents are
/// told of every session, and the telling is never lost) as what it says (<see cref="Facts"/>);
/// a worker writes the MIME from those facts and sends it. <see cref="MessageIdHeader"/> is fixed
/// when the row is written, so any resend after a crash carries the same Message-Id. See
/// <see cref="OutboxWorker"/> for the delivery guarantees.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid? SessionId { get; set; }

    /// <summary>For a concern's alert (clause 12), the concern: the alert is kept as long as the concern is, and deleted with it.</summary>
    public Guid? ConcernId { get; set; }
    public MessageKind Kind { get; set; }
    public MessageStatus Status { get; set; } = MessageStatus.Pending;

    /// <summary>"guardian" or "teacher".</summary>
    public required string RecipientRole { get; set; }
    public Guid? RecipientId { get; set; }
    public required string RecipientName { get; set; }
    public required string RecipientEmail { get; set; }
    public required string Subject { get; set; }

    /// <summary>The Message-Id header without angle brackets, unique per message and stable across resends.</summary>
    public required string MessageIdHeader { get; set; }

    /// <summary>What the message says (<see cref="MessageFacts"/> as JSON), rendered when it is sent.</summary>
    public string? Facts { get; set; }

    /// <summary>A message stored ready-made as 7-bit MIME, sent as it is; null for one rendered from <see cref="Facts"/>.</summary>
    public string? Mime { get; set; }

    /// <summary>
    /// For a reminder, the <c>Sequence</c> of the session version it tells of (null for other
    /// messages). One reminder of each kind per recipient and session version: a unique index
    /// holds it, and the worker sends a reminder only while its session is still at this version.
    /// </summary>
    public int? SessionSequence { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Not sent before this instant (reminders); the next try's time after a failure.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
    public int Attempts { get; set; }

    /// <summary>The claim of the worker sending it now; another may take it over once <see cref="LeaseExpiresAt"/> has passed.</summary>
    public Guid? LeaseToken { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }

    public List<DeliveryAttempt> DeliveryAttempts { get; set; } = [];
}

/// <summary>One try at handing a message to the mail server, and what the server said.</summary>
public sealed class DeliveryAttempt
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid OutboxMessageId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Outcome { get; set; }
    public required string Reply { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("OutboxMessages");
        b.Property(m => m.Id).ValueGeneratedNever();
        b.Property(m => m.Kind).HasConversion<string>().HasMaxLength(32);
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(m => m.RecipientRole).HasMaxLength(16);
        b.Property(m => m.RecipientName).HasMaxLength(200);
        b.Property(m => m.RecipientEmail).HasMaxLength(320);
        b.Property(m => m.Subject).HasMaxLength(400);
        b.Property(m => m.MessageIdHeader).HasMaxLength(200);
        b.Property(m => m.LastError).HasMaxLength(2000);
        // No index on MessageIdHeader: it is made from the row's id (MessageComposer.MessageIdOf), so
        // the key already keeps it unique, and nothing looks a message up by it; an index would only
        // be one more tree to write for every email of every booking.
        // The worker's claim query: pending messages in order of their due time.
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
        // The worker reads back the rows it has just claimed by its lease token: without this the
        // read walked every message ever written, once per claim. Only claimed rows carry a token.
        b.HasIndex(m => m.LeaseToken).HasFilter("\"LeaseToken\" IS NOT NULL").HasDatabaseName("IX_OutboxMessages_Claimed");
        b.HasIndex(m => new { m.SchoolId, m.CreatedAt });
        b.HasIndex(m => m.SessionId);
        b.HasIndex(m => m.ConcernId).HasFilter("\"ConcernId\" IS NOT NULL");
        // A reminder is written once per session version, kind and recipient, however many instances look for it.
        b.HasIndex(m => new { m.SessionId, m.SessionSequence, m.Kind, m.RecipientRole, m.RecipientId })
            .IsUnique().HasFilter("\"SessionSequence\" IS NOT NULL").HasDatabaseName("IX_OutboxMessages_OneReminder");
        b.HasOne<School>().WithMany().HasForeignKey(m => m.SchoolId);
        b.HasOne<Session>().WithMany().HasForeignKey(m => m.SessionId);
        b.HasMany(m => m.DeliveryAttempts).WithOne().HasForeignKey(a => a.OutboxMessageId);
    }
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> b)
    {
        b.ToTable("DeliveryAttempts");
        b.Property(a => a.Id).ValueGeneratedNever();
        b.Property(a => a.Outcome).HasMaxLength(16);
        b.Property(a => a.Reply).HasMaxLength(2000);
        b.HasIndex(a => a.OutboxMessageId);
        b.HasIndex(a => a.SchoolId);
    }
}
