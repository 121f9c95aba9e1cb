using Chaperone.Families;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Calls;

/// <summary>
/// Clause 11 ("teachers should keep a record of attendance for each video-conferencing session"):
/// when a session whose time is over still has no outcome, who is told and when. Its teacher is
/// reminded at the end of the session's school day (at least an hour after the call); a week
/// after the session (<see cref="LeaderMarking.OverdueAfter"/>), when a senior leader may record
/// it instead, the school's senior leaders are told.
/// </summary>
public static class OutcomeReminderTimes
{
    public const int Clause = Clauses.Attendance;

    /// <summary>The teacher's reminder comes no sooner than this after the call: time to record it first.</summary>
    public static readonly TimeSpan AfterTheCall = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after falling due a reminder is still written (the job did not run then, say);
    /// no older session is written about, so a new installation's history is not mailed.
    /// </summary>
    public static readonly TimeSpan WrittenFor = TimeSpan.FromDays(7);

    /// <summary>The end of the school day of the session's end, or an hour after the call if that is later.</summary>
    public static DateTimeOffset Teacher(DateTimeOffset end, PolicySettings settings)
    {
        var dayEnd = Instant.FromDateTimeOffset(end).InZone(settings.TimeZone).Date.At(settings.DayEnd)
            .InZoneLeniently(settings.TimeZone).ToInstant().ToDateTimeOffset();
        var soonest = end + AfterTheCall;
        return dayEnd > soonest ? dayEnd : soonest;
    }

    /// <summary>The reminder due at <paramref name="now"/> for a session that ended at <paramref name="end"/> without an outcome, if any, and when it fell due.</summary>
    public static (MessageKind Kind, DateTimeOffset At)? Due(DateTimeOffset end, DateTimeOffset now, PolicySettings settings)
    {
        // The leaders are told when the outcome is overdue, when one of them may record it.
        var leaders = LeaderMarking.OverdueAt(end);
        if (now >= leaders)
        {
            return now < leaders + WrittenFor ? (MessageKind.OutcomeOverdue, leaders) : null;
        }
        var teacher = Teacher(end, settings);
        return now >= teacher && now < teacher + WrittenFor ? (MessageKind.OutcomeDue, teacher) : null;
    }

    /// <summary>No session that ended at or before this instant has a reminder due at <paramref name="now"/>.</summary>
    public static DateTimeOffset EndedAfter(DateTimeOffset now) => now - LeaderMarking.OverdueAfter - WrittenFor;
}

/// <summary>
/// The emails of a session's missing outcome (<see cref="OutcomeReminderTimes"/>), one per
/// recipient, written by the reminder job as they fall due (<see cref="ReminderJob"/>), once per
/// session, kind and recipient (the outbox's unique index on a session's reminders). A member of
/// staff who has left is not written to; a senior leader who is the session's teacher gets the
/// teacher's reminder, not the leaders'. The worker sends none once the outcome is recorded.
/// </summary>
public sealed class OutcomeReminders(ChaperoneDbContext db, EmailOptions options, FamilyLinks links, TimeProvider clock)
{
    /// <summary>The outcome reminders due at <paramref name="now"/> in <paramref name="school"/> and not yet written.</summary>
    public async Task<List<OutboxMessage>> DueAsync(Schools.School school, PolicySettings settings, DateTimeOffset now, CancellationToken ct)
    {
        var endedAfter = OutcomeReminderTimes.EndedAfter(now);
        // The school's sessions by their start (its index): one that ended after endedAfter started
        // at most the longest session before it.
        var startedAfter = endedAfter.AddMinutes(-PolicySettings.MaximumDurationMinutes);
        var sessions = await AwaitingOutcome.Of(db.Sessions.AsNoTracking(), db, now)
            .Where(s => s.SchoolId == school.Id && s.Start > startedAfter && s.Start < now && s.End > endedAfter && s.End <= now
                        && !db.OutboxMessages.Any(m => m.SessionId == s.Id && m.SessionSequence == s.Sequence && m.Kind == MessageKind.OutcomeOverdue))
            .Select(s => new { s.Id, s.TeacherId, s.Start, s.End, s.Sequence })
            .ToListAsync(ct);
        var due = sessions
            .Select(s => (Session: s, Due: OutcomeReminderTimes.Due(s.End, now, settings)))
            .Where(x => x.Due is not null)
            .Select(x => (x.Session.Id, x.Session.TeacherId, x.Session.Start, x.Session.End, x.Session.Sequence, x.Due!.Value.Kind, x.Due.Value.At))
            .ToList();
        if (due.Count == 0)
        {
            return [];
        }

        var ids = due.Select(d => (Guid?)d.Id).ToList();
        var written = (await db.OutboxMessages.AsNoTracking()
                .Where(m => ids.Contains(m.SessionId) && m.SessionSequence != null && (m.Kind == MessageKind.OutcomeDue || m.Kind == MessageKind.OutcomeOverdue))
                .Select(m => new { m.SessionId, m.Kind, m.RecipientId })
                .ToListAsync(ct))
            .Select(m => (m.SessionId!.Value, m.Kind, m.RecipientId)).ToHashSet();
        var teacherIds = due.Select(d => d.TeacherId).Distinct().ToList();
        var teachers = await db.Users.AsNoTracking().Where(u => u.SchoolId == school.Id && teacherIds.Contains(u.Id))
            .Select(u => new { u.Id, u.Name, u.Email, Active = u.AccessEndedAt == null })
            .ToDictionaryAsync(u => u.Id, ct);
        var pupils = (await db.SessionPupils.AsNoTracking().Where(p => ids.Contains(p.SessionId) && p.SchoolId == school.Id)
                .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { sp.SessionId, p.Name })
                .ToListAsync(ct))
            .GroupBy(p => p.SessionId)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Name).Order(StringComparer.Ordinal).ToList());
        var leaders = due.Any(d => d.Kind == MessageKind.OutcomeOverdue)
            ? await StaffWithRole.ListAsync(db, school.Id, Roles.Slt, ct)
            : [];

        var messages = new List<OutboxMessage>();
        foreach (var d in due)
        {
            var teacher = teachers.GetValueOrDefault(d.TeacherId);
            var about = new OutcomeMailFacts(d.Id, school.Id, school.Name, settings.TimeZone, d.Start, d.End, d.Sequence,
                teacher?.Name ?? "The teacher", pupils.GetValueOrDefault(d.Id) ?? []);
            var recipients = d.Kind == MessageKind.OutcomeOverdue
                ? leaders.Where(l => l.Id != d.TeacherId).ToList()
                : teacher is { Active: true } ? [(teacher.Id, teacher.Name, (string?)teacher.Email)] : new List<(Guid Id, string Name, string? Email)>();
            foreach (var (id, name, email) in recipients)
            {
                if (email is not null && ManagePeople.IsEmail(email) && !written.Contains((d.Id, d.Kind, id)))
                {
                    messages.Add(Compose(about, d.Kind, new MailPerson(id, name, email), d.At));
                }
            }
        }
        return messages;
    }

    /// <summary>One reminder, stored ready-made: its wording is the school's policy, not a template.</summary>
    public OutboxMessage Compose(OutcomeMailFacts s, MessageKind kind, MailPerson to, DateTimeOffset notBefore)
    {
        var now = clock.GetUtcNow();
        var pupils = string.Join(" and ", s.Pupils);
        var when = $"{Pages.Display.When(s.Start, s.End, s.Zone)} ({MessageComposer.ZoneLabel(s.Zone)})";
        // Straight to the outcome's form on the session's page.
        var link = new Uri(links.BaseUrl, $"/sessions/{s.SessionId}#outcome-panel").ToString();
        var toTeacher = kind == MessageKind.OutcomeDue;
        var subject = toTeacher
            ? $"Please record the outcome of your video call with {pupils}: {when}"
            : $"Outcome overdue: {s.Teacher}'s video call with {pupils}, {when}";
        var body = new MailBody().Paragraph($"Dear {to.Name},");
        if (toTeacher)
        {
            body.Strong($"Your video call with {pupils} on {when} has no outcome recorded yet.")
                .Paragraph("The school's video call policy asks you to keep a record of attendance for each session (clause 11). Please record whether the call was completed, was cut short, or the pupil did not attend, with your notes.")
                .Paragraph("If it is still not recorded a week after the session, the senior leaders are told, and one of them may record it instead.")
                .Link("Record the outcome", link);
        }
        else
        {
            body.Strong($"{s.Teacher}'s video call with {pupils} on {when} ended a week ago, and its outcome is still not recorded.")
                .Paragraph("The school's video call policy asks teachers to keep a record of attendance for each session (clause 11). Please follow it up with the teacher. If they cannot record it, a senior leader may now record it from the session's page.")
                .Link("Open the session", link);
        }

        var row = MessageComposer.ReadyMade(options, s.SchoolId, s.SchoolName, kind, toTeacher ? "teacher" : "slt", (to.Id, to.Name, to.Email!), subject, body, now, s.SessionId, notBefore);
        row.SessionSequence = s.Sequence;
        return row;
    }
}

/// <summary>What an outcome reminder says about its session.</summary>
public sealed record OutcomeMailFacts(
    Guid SessionId, Guid SchoolId, string SchoolName, DateTimeZone Zone, DateTimeOffset Start, DateTimeOffset End, int Sequence, string Teacher, IReadOnlyList<string> Pupils);
