using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Notifications;

/// <summary>The messages a new booking commits with it (clause 8); <see cref="SessionNotifications"/> writes them.</summary>
public interface IBookingNotifications
{
    /// <summary>The booking's messages, for the booking to add to the context that saves it, in its transaction.</summary>
    Task<List<OutboxMessage>> ComposeBookedAsync(Session session, BookingPeople people, PolicySettings settings, CancellationToken ct);
}

/// <summary>
/// Clause 8: parents are emailed about every session. Called inside the transaction of a
/// booking, reschedule or cancellation, just before it saves: the messages (one per supervising
/// parent or carer with an email address, and a copy to the teacher) are added to the same unit
/// of work, so they are committed with the change or not at all. Reminders are rows with a
/// not-before time (the school day before, and the morning of the session); a move or a
/// cancellation supersedes those not yet sent. Call <see cref="OutboxSignal.Wake"/> after the
/// commit so the worker sends at once.
/// </summary>
public sealed class SessionNotifications(ChaperoneDbContext db, MessageComposer composer, TimeProvider clock) : IBookingNotifications
{
    /// <summary>Local time of the day-before reminder: the end of the school day.</summary>
    private static readonly LocalTime MorningReminderAt = new(7, 30);

    /// <summary>
    /// The messages of a new booking, composed before its write begins (so the write stays short);
    /// the booking adds them to the context that saves it, in its transaction. The booking has
    /// already read its people and the school's settings: only the school's name and wording are
    /// read here, in one query.
    /// </summary>
    public async Task<List<OutboxMessage>> ComposeBookedAsync(Session session, BookingPeople people, PolicySettings settings, CancellationToken ct)
    {
        var school = await SchoolWordingQuery.For(db)(db, session.SchoolId, ct)
            ?? throw new InvalidOperationException($"School {session.SchoolId} of a booking does not exist.");
        var pupils = people.Pupils.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var guardians = people.Guardians.Select(g => new MailPerson(g.Id, g.Name, g.Email)).OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
        var mail = new MailSession(session.Id, session.SchoolId, school.Name, settings.TimeZone, session.Kind, session.Start, session.End,
            session.Sequence, session.CancellationReason, new MailPerson(people.Host.Id, people.Host.Name, people.HostEmail), pupils, guardians);
        var wording = WordingOf(school.Templates);
        var messages = new List<OutboxMessage>();
        Enqueue(messages, mail, MessageKind.Booked, wording);
        EnqueueReminders(messages, mail, settings, wording);
        return messages;
    }

    public async Task SessionRescheduledAsync(Session session, CancellationToken ct)
    {
        await SupersedeRemindersAsync(session.Id, ct);
        var (mail, settings, wording) = await LoadAsync(session, ct);
        var messages = new List<OutboxMessage>();
        Enqueue(messages, mail, MessageKind.Rescheduled, wording);
        EnqueueReminders(messages, mail, settings, wording);
        db.OutboxMessages.AddRange(messages);
    }

    public async Task SessionCancelledAsync(Session session, CancellationToken ct)
    {
        await SupersedeRemindersAsync(session.Id, ct);
        var (mail, _, wording) = await LoadAsync(session, ct);
        var messages = new List<OutboxMessage>();
        Enqueue(messages, mail, MessageKind.Cancelled, wording);
        db.OutboxMessages.AddRange(messages);
    }

    private void Enqueue(List<OutboxMessage> into, MailSession mail, MessageKind kind, Func<MessageKind, MessageWording> wording, DateTimeOffset? notBefore = null)
    {
        var at = notBefore ?? clock.GetUtcNow();
        // Addresses are checked when entered (People); one that still could not be sent to (kept from
        // before that check) is left out rather than failing the booking.
        foreach (var guardian in mail.Guardians.Where(g => g.Email is { } e && People.ManagePeople.IsEmail(e)))
        {
            into.Add(composer.Compose(mail, kind, guardian, toTeacher: false, wording(kind), at));
        }
        if (mail.Teacher.Email is { } teacher && People.ManagePeople.IsEmail(teacher))
        {
            into.Add(composer.Compose(mail, kind, mail.Teacher, toTeacher: true, wording(kind), at));
        }
    }

    private void EnqueueReminders(List<OutboxMessage> into, MailSession mail, PolicySettings settings, Func<MessageKind, MessageWording> wording)
    {
        var now = clock.GetUtcNow();
        var start = Instant.FromDateTimeOffset(mail.Start).InZone(mail.Zone);
        // The school day before: skip weekends and closures; the reminder goes at the end of that day.
        var day = start.Date.PlusDays(-1);
        for (var i = 0; i < 14 && !settings.IsSchoolDay(day); i++)
        {
            day = day.PlusDays(-1);
        }
        var dayBefore = day.At(settings.DayEnd).InZoneLeniently(mail.Zone).ToInstant().ToDateTimeOffset();
        var morning = start.Date.At(MorningReminderAt).InZoneLeniently(mail.Zone).ToInstant().ToDateTimeOffset();
        if (dayBefore > now)
        {
            Enqueue(into, mail, MessageKind.ReminderDayBefore, wording, dayBefore);
        }
        if (morning > now && morning < mail.Start)
        {
            Enqueue(into, mail, MessageKind.ReminderMorning, wording, morning);
        }
    }

    /// <summary>Reminders of this session not yet sent (nor being sent) will never be: they would give the old time.</summary>
    private async Task SupersedeRemindersAsync(Guid sessionId, CancellationToken ct)
    {
        var reminders = await db.OutboxMessages
            .Where(m => m.SessionId == sessionId && m.Status == MessageStatus.Pending && m.LeaseToken == null
                        && (m.Kind == MessageKind.ReminderDayBefore || m.Kind == MessageKind.ReminderMorning))
            .ToListAsync(ct);
        foreach (var reminder in reminders)
        {
            reminder.Status = MessageStatus.Superseded;
        }
    }

    private async Task<(MailSession Mail, PolicySettings Settings, Func<MessageKind, MessageWording> Wording)> LoadAsync(Session session, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Include(s => s.Closures).FirstAsync(s => s.Id == session.SchoolId, ct);
        var settings = school.ToPolicySettings();
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == session.TeacherId)
            .Select(u => new MailPerson(u.Id, u.Name, u.Email)).FirstAsync(ct);
        var pupilIds = session.Pupils.Count > 0
            ? session.Pupils.Select(p => p.PupilId).ToList()
            : await db.SessionPupils.Where(p => p.SessionId == session.Id).Select(p => p.PupilId).ToListAsync(ct);
        var guardianIds = session.Guardians.Count > 0
            ? session.Guardians.Select(g => g.GuardianId).ToList()
            : await db.SessionGuardians.Where(g => g.SessionId == session.Id).Select(g => g.GuardianId).ToListAsync(ct);
        var pupils = await db.Pupils.AsNoTracking().Where(p => p.SchoolId == session.SchoolId && pupilIds.Contains(p.Id))
            .OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(ct);
        var guardians = await db.Guardians.AsNoTracking().Where(g => g.SchoolId == session.SchoolId && guardianIds.Contains(g.Id))
            .OrderBy(g => g.Name).Select(g => new MailPerson(g.Id, g.Name, g.Email)).ToListAsync(ct);
        var templates = await db.MessageTemplates.AsNoTracking().Where(t => t.SchoolId == session.SchoolId).ToListAsync(ct);

        var mail = new MailSession(session.Id, session.SchoolId, school.Name, settings.TimeZone, session.Kind, session.Start, session.End,
            session.Sequence, session.CancellationReason, teacher, pupils, guardians);
        return (mail, settings, WordingOf(templates.ConvertAll(t => new TemplateRow(t.Kind, t.Opening, t.Closing))));
    }

    private static Func<MessageKind, MessageWording> WordingOf(List<TemplateRow> templates) =>
        kind => templates.Find(t => t.Kind == kind) is { } t ? new MessageWording(t.Opening, t.Closing) : MessageWording.Default(kind);

    // Compiled once: it runs on every booking.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, CancellationToken, Task<SchoolWording?>>> SchoolWordingQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
            db.Schools.AsNoTracking().Where(s => s.Id == schoolId)
                .Select(s => new SchoolWording(s.Name, db.MessageTemplates.Where(t => t.SchoolId == s.Id).Select(t => new TemplateRow(t.Kind, t.Opening, t.Closing)).ToList()))
                .FirstOrDefault()));

    private sealed record SchoolWording(string Name, List<TemplateRow> Templates);

    private sealed record TemplateRow(MessageKind Kind, string Opening, string Closing);
}
