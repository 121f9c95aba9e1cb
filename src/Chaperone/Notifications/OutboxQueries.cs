using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Notifications;

/// <summary>One outbox message as the API and the pages show it (without its body).</summary>
public sealed record NotificationDto(
    string Id,
    string? SessionId,
    string Kind,
    string RecipientRole,
    string RecipientName,
    string RecipientEmail,
    string Subject,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt,
    string? LastError,
    string MessageId);

/// <summary>One delivery attempt, as shown with its message.</summary>
public sealed record DeliveryAttemptDto(DateTimeOffset At, string Outcome, string Reply);

/// <summary>
/// Which outbox messages a member of staff may see: those of the sessions they may see
/// (<see cref="ListSessions.Visible"/>), so a teacher sees their own sessions' mail and leaders
/// and admins the school's. Another school's message answers as not found.
/// </summary>
public static class OutboxQueries
{
    public static IQueryable<OutboxMessage> Visible(ChaperoneDbContext db, ClaimsPrincipal user)
    {
        var schoolId = user.SchoolId();
        var sessions = ListSessions.Visible(db, user);
        return db.OutboxMessages.Where(m => m.SchoolId == schoolId && sessions.Any(s => s.Id == m.SessionId));
    }

    /// <summary>Messages that staff must look at: given up, or failing repeatedly and still being retried.</summary>
    public static IQueryable<OutboxMessage> Problems(IQueryable<OutboxMessage> messages) =>
        messages.Where(m => m.Status == MessageStatus.Failed || (m.Status == MessageStatus.Pending && m.Attempts >= FailingAfter));

    /// <summary>Attempts after which a message still pending is shown as failing.</summary>
    public const int FailingAfter = 2;

    public static NotificationDto ToDto(OutboxMessage m) => new(
        Ids.Format(m.Id), m.SessionId is { } s ? Ids.Format(s) : null, KindName(m.Kind), m.RecipientRole, m.RecipientName, m.RecipientEmail,
        m.Subject, m.Status.ToString().ToLowerInvariant(), m.Attempts, m.CreatedAt, m.NextAttemptAt, m.SentAt, m.LastError, m.MessageIdHeader);

    public static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Booked => "booked",
        MessageKind.Rescheduled => "rescheduled",
        MessageKind.Cancelled => "cancelled",
        MessageKind.ReminderDayBefore => "reminder-day-before",
        MessageKind.ConcernRaised => "concern-raised",
        MessageKind.ConcernEscalated => "concern-escalated",
        MessageKind.PasswordReset => "password-reset",
        MessageKind.OutcomeDue => "outcome-due",
        MessageKind.OutcomeOverdue => "outcome-overdue",
        MessageKind.FamilyCannotCome => "family-cannot-come",
        MessageKind.FamilyCanCome => "family-can-come",
        MessageKind.ConcernDraftWaiting => "concern-draft-waiting",
        MessageKind.ReminderMorning => "reminder-morning",
        MessageKind.SafeguardingRoleChanged => "safeguarding-role-changed",
        MessageKind.SafeguardingRoleOffered => "safeguarding-role-offered",
        _ => kind.ToString(),
    };

    public static string KindLabel(MessageKind kind) => kind switch
    {
        MessageKind.Booked => "Booking",
        MessageKind.Rescheduled => "Moved",
        MessageKind.Cancelled => "Cancellation",
        MessageKind.ReminderDayBefore => "Reminder (day before)",
        MessageKind.ConcernRaised => "Concern raised",
        MessageKind.ConcernEscalated => "Concern escalated",
        MessageKind.PasswordReset => "Password reset",
        MessageKind.OutcomeDue => "Outcome reminder",
        MessageKind.OutcomeOverdue => "Outcome overdue",
        MessageKind.FamilyCannotCome => "Family cannot come",
        MessageKind.FamilyCanCome => "Family can come after all",
        MessageKind.ConcernDraftWaiting => "Concern draft waiting",
        MessageKind.ReminderMorning => "Reminder (morning)",
        MessageKind.SafeguardingRoleChanged => "Safeguarding role changed",
        MessageKind.SafeguardingRoleOffered => "Safeguarding role offered",
        _ => kind.ToString(),
    };

    public static bool IsProblem(OutboxMessage m) => m.Status == MessageStatus.Failed || (m.Status == MessageStatus.Pending && m.Attempts >= FailingAfter);

    /// <summary>Puts a failed message back in the queue for a fresh round of attempts (an admin's "try again").</summary>
    public static async Task<bool> RetryAsync(ChaperoneDbContext db, ClaimsPrincipal user, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Admin))
        {
            return false;
        }
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        var schoolId = user.SchoolId();
        var retried = await db.OutboxMessages.Where(m => m.Id == id && m.SchoolId == schoolId && m.Status == MessageStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Pending).SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, now).SetProperty(m => m.LastError, (string?)null), ct) == 1;
        await write.CommitAsync(ct);
        return retried;
    }
}
