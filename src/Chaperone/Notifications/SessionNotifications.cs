using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

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
/// of work, so they are committed with the change or not at all. Call <see cref="OutboxSignal.Wake"/>
/// after the commit so the worker sends at once.
/// </summary>
/// <remarks>
/// Reminders (the school day before, and the morning of the session) are caused by time, not by
/// the change: they are not written with the booking but by <see cref="ReminderJob"/> when they
/// fall due, from the session as it is then (<see cref="ComposeRemindersAsync"/>). A booking
/// therefore writes two rows for one parent instead of six, and a move or cancellation has no
/// future reminders to take back; it supersedes only those already written and not yet sent
/// (and the worker checks each reminder's session once more before sending it).
/// </remarks>
public sealed class SessionNotifications(ChaperoneDbContext db, MessageComposer composer, TimeProvider clock) : IBookingNotifications
{
    /// <summary>
    /// The messages of a new booking, composed before its write begins (so the write stays short);
    /// the booking adds them to the context that saves it, in its transaction. The booking has
    /// already read its people and the school's settings: only the school's name and wording are
    /// read here, in one query.
    /// </summary>
    public async Task<List<OutboxMessage>> ComposeBookedAsync(Session session, BookingPeople people, PolicySettings settings, CancellationToken ct)
    {
        var school = await WordingUnderAsync(session.SchoolId, people.SettingsStamp, ct);
        var pupils = people.Pupils.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var guardians = people.Guardians.Select(g => new MailPerson(g.Id, g.Name, g.Email, g.HasParentalResponsibility)).OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
        var family = people.Guardians.ToDictionary(g => g.Id, g => (IReadOnlyList<string>)people.Pupils.Where(p => p.LinkedGuardianIds.Contains(g.Id)).Select(p => p.Name).Order(StringComparer.Ordinal).ToList());
        var mail = new MailSession(session.Id, session.SchoolId, school.Name, settings.TimeZone, session.Kind, session.Start, session.End,
            session.Sequence, session.CancellationReason, new MailPerson(people.Host.Id, people.Host.Name, people.HostEmail), pupils, guardians, settings.ExpectationsForFamilies, session.Provider, family,
            BookedBy: await BookedForTheTeacherByAsync(session, ct), Office: Schools.SchoolContact.Of(school.OfficeEmail, school.OfficePhone));
        var wording = WordingOf(school.Templates);
        var messages = new List<OutboxMessage>(people.Guardians.Count + 1);
        Enqueue(messages, mail, MessageKind.Booked, wording);
        return messages;
    }

    /// <summary>The messages of a move, saying the time it moved from (<paramref name="movedFrom"/>, the session's earlier start) and to.</summary>
    public async Task SessionRescheduledAsync(Session session, DateTimeOffset movedFrom, CancellationToken ct)
    {
        await SupersedeRemindersAsync(session.Id, ct);
        var (mail, wording) = await LoadAsync(session, ct);
        var messages = new List<OutboxMessage>();
        Enqueue(messages, mail with { MovedFrom = movedFrom }, MessageKind.Rescheduled, wording);
        db.OutboxMessages.AddRange(messages);
    }

    public async Task SessionCancelledAsync(Session session, CancellationToken ct)
    {
        await SupersedeRemindersAsync(session.Id, ct);
        var (mail, wording) = await LoadAsync(session, ct);
        var messages = new List<OutboxMessage>();
        Enqueue(messages, mail, MessageKind.Cancelled, wording);
        db.OutboxMessages.AddRange(messages);
    }

    /// <summary>Who booked the session for its teacher, for the teacher's copy; null when the teacher booked it (the usual case, which reads nothing).</summary>
    private async Task<string?> BookedForTheTeacherByAsync(Session session, CancellationToken ct) =>
        session.BookedById == session.TeacherId || session.BookedById == Guid.Empty
            ? null
            : await db.Users.AsNoTracking().Where(u => u.Id == session.BookedById && u.SchoolId == session.SchoolId).Select(u => u.Name).FirstOrDefaultAsync(ct);

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

    /// <summary>
    /// The reminders of <paramref name="session"/> that are due (<see cref="ReminderTimes.Due"/>), to
    /// each supervising parent or carer and the teacher as they are recorded now, saying the
    /// session's current time. Each carries the session's <see cref="Session.Sequence"/>: with the
    /// session, kind and recipient it is unique, so a reminder is written once however many
    /// instances look for it. Those in <paramref name="written"/> (recipient role and id per kind) are left out.
    /// </summary>
    public async Task<List<OutboxMessage>> ComposeRemindersAsync(
        Session session, IReadOnlyList<(MessageKind Kind, DateTimeOffset At)> due, IReadOnlySet<(MessageKind Kind, string Role, Guid? RecipientId)> written, CancellationToken ct)
    {
        var (mail, wording) = await LoadAsync(session, ct);
        var messages = new List<OutboxMessage>();
        foreach (var (kind, at) in due)
        {
            var composed = new List<OutboxMessage>();
            Enqueue(composed, mail, kind, wording, at);
            foreach (var message in composed.Where(m => !written.Contains((kind, m.RecipientRole, m.RecipientId))))
            {
                message.SessionSequence = session.Sequence;
                messages.Add(message);
            }
        }
        return messages;
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

    private async Task<(MailSession Mail, Func<MessageKind, MessageWording> Wording)> LoadAsync(Session session, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == session.SchoolId).Select(s => new { s.Name, s.TimeZoneId, s.ExpectationsForFamilies, s.OfficeEmail, s.OfficePhone }).FirstAsync(ct);
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == session.TeacherId)
            .Select(u => new MailPerson(u.Id, u.Name, u.Email)).FirstAsync(ct);
        var pupilIds = session.Pupils.Count > 0
            ? session.Pupils.Select(p => p.PupilId).ToList()
            : await db.SessionPupils.Where(p => p.SessionId == session.Id).Select(p => p.PupilId).ToListAsync(ct);
        var guardianIds = session.Guardians.Count > 0
            ? session.Guardians.Select(g => g.GuardianId).ToList()
            : await db.SessionGuardians.Where(g => g.SessionId == session.Id).Select(g => g.GuardianId).ToListAsync(ct);
        var pupilRows = await db.Pupils.AsNoTracking().Where(p => p.SchoolId == session.SchoolId && pupilIds.Contains(p.Id))
            .OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync(ct);
        var pupils = pupilRows.ConvertAll(p => p.Name);
        // In a small group, each family's messages name only their own children.
        var links = await db.PupilGuardians.AsNoTracking()
            .Where(l => l.SchoolId == session.SchoolId && pupilIds.Contains(l.PupilId) && guardianIds.Contains(l.GuardianId))
            .Select(l => new { l.GuardianId, l.PupilId }).ToListAsync(ct);
        var family = links.GroupBy(l => l.GuardianId).ToDictionary(g => g.Key,
            g => (IReadOnlyList<string>)pupilRows.Where(p => g.Any(l => l.PupilId == p.Id)).Select(p => p.Name).ToList());
        var guardians = await db.Guardians.AsNoTracking().Where(g => g.SchoolId == session.SchoolId && guardianIds.Contains(g.Id))
            .OrderBy(g => g.Name).Select(g => new MailPerson(g.Id, g.Name, g.Email, g.HasParentalResponsibility)).ToListAsync(ct);
        var templates = await db.MessageTemplates.AsNoTracking().Where(t => t.SchoolId == session.SchoolId).ToListAsync(ct);

        var mail = new MailSession(session.Id, session.SchoolId, school.Name, PolicySettings.ZoneOrDefault(school.TimeZoneId), session.Kind, session.Start, session.End,
            session.Sequence, session.CancellationReason, teacher, pupils, guardians, school.ExpectationsForFamilies, session.Provider, family,
            Office: Schools.SchoolContact.Of(school.OfficeEmail, school.OfficePhone));
        return (mail, WordingOf(templates.ConvertAll(t => new TemplateRow(t.Kind, t.Opening, t.Closing))));
    }

    private static Func<MessageKind, MessageWording> WordingOf(List<TemplateRow> templates) =>
        kind => templates.Find(t => t.Kind == kind) is { } t ? new MessageWording(t.Opening, t.Closing) : MessageWording.Default(kind);

    /// <summary>
    /// The school's name, office contact and wording: the copy read under <paramref name="stamp"/> (the stamp of
    /// the school's settings, read with the booking's people) if there is one, else read now. The
    /// name and the templates change the stamp when they change (<see cref="ChaperoneDbContext"/>),
    /// so a copy never outlives them, whichever instance made the change.
    /// </summary>
    private async Task<SchoolWording> WordingUnderAsync(Guid schoolId, Guid? stamp, CancellationToken ct)
    {
        var key = (db.Database.GetConnectionString() ?? "", schoolId);
        if (stamp is { } current && WordingCopies.TryGetValue(key, out var copy) && copy.Stamp == current)
        {
            return copy;
        }
        var read = await SchoolWordingQuery.For(db)(db, schoolId, ct)
            ?? throw new InvalidOperationException($"School {schoolId} of a booking does not exist.");
        WordingCopies[key] = read;
        return read;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Database, Guid School), SchoolWording> WordingCopies = new();

    // Compiled once: it runs whenever a school's wording has changed. The stamp comes from the same
    // row as the name, and the templates in the same statement.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, CancellationToken, Task<SchoolWording?>>> SchoolWordingQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
            db.Schools.AsNoTracking().Where(s => s.Id == schoolId)
                .Select(s => new SchoolWording(s.SettingsStamp, s.Name, s.OfficeEmail, s.OfficePhone, db.MessageTemplates.Where(t => t.SchoolId == s.Id).Select(t => new TemplateRow(t.Kind, t.Opening, t.Closing)).ToList()))
                .FirstOrDefault()));

    private sealed record SchoolWording(Guid Stamp, string Name, string? OfficeEmail, string? OfficePhone, List<TemplateRow> Templates);

    private sealed record TemplateRow(MessageKind Kind, string Opening, string Closing);
}
