using System.Collections.Concurrent;
using Chaperone.Families;
using Chaperone.Pages;
using Chaperone.Scheduling;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using MimeKit;
using NodaTime;

namespace Chaperone.Notifications;

/// <summary>Someone a session's message is about or for.</summary>
/// <param name="ParentalResponsibility">A parent or carer's: whether they hold parental responsibility, and so can give consent (clause 1); null for the teacher.</param>
public sealed record MailPerson(Guid Id, string Name, string? Email, bool? ParentalResponsibility = null);

/// <summary>What a session's messages say, gathered once for all its recipients.</summary>
/// <param name="Provider">Where the call takes place (<see cref="Scheduling.CallProviders"/>); null for the built-in room.</param>
/// <param name="FamilyPupils">Each invited guardian's own children among <paramref name="Pupils"/>: in a small group, a family's messages name only theirs.</param>
/// <param name="OtherPupils">A family's message: how many other children the small group has, whom it does not name.</param>
/// <param name="MovedFrom">A move's message: when the session started before it moved.</param>
/// <param name="BookedBy">The teacher's copy of a booking: who booked the session for them, when it was not the teacher.</param>
/// <param name="Office">How families reach the school office, if the school has said.</param>
public sealed record MailSession(
    Guid SessionId,
    Guid SchoolId,
    string SchoolName,
    DateTimeZone Zone,
    SessionKind Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Sequence,
    string? CancellationReason,
    MailPerson Teacher,
    IReadOnlyList<string> Pupils,
    IReadOnlyList<MailPerson> Guardians,
    string? ExpectationsForFamilies = null,
    string? Provider = null,
    IReadOnlyDictionary<Guid, IReadOnlyList<string>>? FamilyPupils = null,
    int OtherPupils = 0,
    DateTimeOffset? MovedFrom = null,
    string? BookedBy = null,
    Schools.SchoolContact? Office = null)
{
    /// <summary>Whether the call takes place in a Microsoft Teams meeting rather than the built-in room.</summary>
    public bool InTeams => Provider == Scheduling.CallProviders.Teams;

    /// <summary>The children a message to <paramref name="recipient"/> names, and how many others it only counts: in a small group, a family's own children; the teacher's copy names every child.</summary>
    public (IReadOnlyList<string> Named, int Others) PupilsFor(MailPerson recipient, bool toTeacher) =>
        !toTeacher && FamilyPupils?.GetValueOrDefault(recipient.Id) is { Count: > 0 } own && own.Count < Pupils.Count
            ? (own, Pupils.Count - own.Count)
            : (Pupils, 0);

    /// <summary>"Ava Sibling", or in a small group as a family sees it "Ava Sibling, in a small group with 1 other pupil".</summary>
    public string PupilsText => string.Join(" and ", Pupils)
        + (OtherPupils > 0 ? $", {Display.SmallGroupWith(OtherPupils)}" : "");
}

/// <summary>
/// Writes a session's messages: HTML and plain text in the school's name, times in the school's
/// zone with the date written out, and (for bookings, moves and cancellations) an iCalendar
/// invite whose UID is the session's, whose SEQUENCE is the session's, and whose DTSTART carries
/// the school's TZID with its VTIMEZONE. The parts the policy requires are written here, around
/// the school's own wording (<see cref="MessageWording"/>), so they cannot be left out.
/// </summary>
public sealed class MessageComposer(EmailOptions options, FamilyLinks links, TimeProvider clock)
{
    /// <summary>The invite's UID: one per session, the same in every message about it.</summary>
    public static string UidOf(Guid sessionId) => $"{sessionId:N}@chaperone";

    /// <summary>
    /// The outbox row of one message: who it is for, its subject and Message-Id, and what it says
    /// (<see cref="MessageFacts"/>, a few hundred bytes). The MIME and the invite are written from
    /// those facts when the message is sent (<see cref="Render"/>), not inside the change that
    /// caused it.
    /// </summary>
    public OutboxMessage Compose(MailSession s, MessageKind kind, MailPerson recipient, bool toTeacher, MessageWording wording, DateTimeOffset notBefore)
    {
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var (named, others) = s.PupilsFor(recipient, toTeacher);
        var subject = SubjectOf(s with { Pupils = named, OtherPupils = others }, kind, WhenText(s), toTeacher);
        var isDefault = wording == MessageWording.Default(kind);
        var facts = new MessageFacts(s.SchoolName, s.Zone.Id, s.Kind, s.Start, s.End, s.Sequence, s.CancellationReason, s.Teacher, named, s.Guardians,
            toTeacher, isDefault ? null : wording.Opening, isDefault ? null : wording.Closing,
            // The guardian's own link is issued now and kept, so that every rendering (a resend too) carries the same one.
            toTeacher ? null : links.UrlFor(s.SessionId, recipient.Id).ToString(),
            s.ExpectationsForFamilies == Policy.PolicySettings.DefaultExpectationsForFamilies ? null : s.ExpectationsForFamilies,
            s.InTeams ? s.Provider : null,
            others,
            kind == MessageKind.Rescheduled ? s.MovedFrom : null,
            toTeacher && kind == MessageKind.Booked ? s.BookedBy : null,
            toTeacher ? null : s.Office?.Email,
            toTeacher ? null : s.Office?.Phone);
        return new OutboxMessage
        {
            Id = id,
            SchoolId = s.SchoolId,
            SessionId = s.SessionId,
            Kind = kind,
            RecipientRole = toTeacher ? "teacher" : "guardian",
            RecipientId = recipient.Id,
            RecipientName = recipient.Name,
            RecipientEmail = recipient.Email!,
            Subject = subject.Length <= 400 ? subject : subject[..400],
            MessageIdHeader = MessageIdOf(id),
            Facts = MessageFacts.Serialize(facts),
            CreatedAt = now,
            NextAttemptAt = notBefore,
        };
    }

    /// <summary>
    /// An outbox row holding a whole message written now (<see cref="OutboxMessage.Mime"/>), HTML and
    /// plain text from <paramref name="body"/>: the school's own notes to staff (concern alerts, a
    /// missing outcome, a family that cannot come, password links), whose wording is the school's
    /// policy rather than a template. A message about a session says so in its <c>X-Chaperone-Session</c> header.
    /// </summary>
    public static OutboxMessage ReadyMade(EmailOptions options, Guid schoolId, string schoolName, MessageKind kind, string recipientRole,
        (Guid Id, string Name, string Email) to, string subject, MailBody body, DateTimeOffset now, Guid? sessionId = null, DateTimeOffset? notBefore = null)
    {
        var id = Guid.CreateVersion7();
        var messageId = MessageIdOf(id, options);
        var message = Envelope(options, schoolName, to.Name, to.Email, subject, now, messageId);
        if (sessionId is { } session)
        {
            message.Headers.Add("X-Chaperone-Session", session.ToString());
        }
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = body.ToText() },
            new TextPart("html") { Text = body.ToHtml(schoolName) },
        };
        return new OutboxMessage
        {
            Id = id,
            SchoolId = schoolId,
            SessionId = sessionId,
            Kind = kind,
            RecipientRole = recipientRole,
            RecipientId = to.Id,
            RecipientName = to.Name,
            RecipientEmail = to.Email,
            Subject = subject.Length <= 400 ? subject : subject[..400],
            MessageIdHeader = messageId,
            Mime = SevenBit(message),
            CreatedAt = now,
            NextAttemptAt = notBefore ?? now,
        };
    }

    /// <summary>The whole message as the outbox keeps it: 7-bit MIME text.</summary>
    internal static string SevenBit(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return System.Text.Encoding.ASCII.GetString(stream.ToArray());
    }

    /// <summary>The Message-Id of the outbox row <paramref name="id"/>: fixed by the row, so every resend carries it.</summary>
    public string MessageIdOf(Guid id) => MessageIdOf(id, options);

    /// <inheritdoc cref="MessageIdOf(Guid)"/>
    public static string MessageIdOf(Guid id, EmailOptions options) => $"{id:N}@{DomainOf(options.From.Address)}";

    /// <summary>The headers every message of the school carries: from the school, to one person, with its fixed Message-Id and date.</summary>
    public static MimeMessage Envelope(EmailOptions options, string schoolName, string toName, string toEmail, string subject, DateTimeOffset date, string messageId)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(schoolName, options.From.Address));
        message.To.Add(new MailboxAddress(toName, toEmail));
        message.Subject = subject;
        message.Date = date;
        message.MessageId = messageId;
        return message;
    }

    /// <summary>
    /// The message of an outbox row as it is sent: written from the row's facts (the same every
    /// time: its Message-Id, Date and MIME boundaries come from the row), or, for a row stored
    /// ready-made, that MIME.
    /// </summary>
    public MimeMessage Render(OutboxMessage row)
    {
        if (row.Facts is null)
        {
            return MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(row.Mime ?? "")));
        }
        var facts = MessageFacts.Deserialize(row.Facts);
        var zone = Policy.PolicySettings.ZoneOrDefault(facts.ZoneId);
        var s = new MailSession(row.SessionId ?? Guid.Empty, row.SchoolId, facts.SchoolName, zone, facts.SessionKind, facts.Start, facts.End,
            facts.Sequence, facts.CancellationReason, facts.Teacher, facts.Pupils, facts.Guardians, facts.ExpectationsForFamilies, facts.Provider, OtherPupils: facts.OtherPupils,
            MovedFrom: facts.MovedFrom, BookedBy: facts.BookedBy, Office: Schools.SchoolContact.Of(facts.OfficeEmail, facts.OfficePhone));
        var kind = row.Kind;
        // A parent or carer as the message's facts recorded them: whether they hold parental responsibility.
        var recipient = new MailPerson(row.RecipientId ?? Guid.Empty, row.RecipientName, row.RecipientEmail,
            facts.ToTeacher ? null : facts.Guardians.FirstOrDefault(g => g.Id == row.RecipientId)?.ParentalResponsibility);
        var fallback = MessageWording.Default(kind);
        var wording = new MessageWording(facts.Opening ?? fallback.Opening, facts.Closing ?? fallback.Closing);
        var when = WhenText(s);
        var body = BodyOf(s, kind, recipient, facts.ToTeacher, wording, when, facts.FamilyLink);

        var message = Envelope(options, s.SchoolName, recipient.Name, recipient.Email!, SubjectOf(s, kind, when, facts.ToTeacher), row.CreatedAt, row.MessageIdHeader);
        message.Headers.Add("X-Chaperone-Session", s.SessionId.ToString());

        var text = body.ToText();
        var alternative = new MultipartAlternative
        {
            new TextPart("plain") { Text = text },
            new TextPart("html") { Text = body.ToHtml(s.SchoolName) },
        };
        // A fixed boundary, so that a resend is the same message byte for byte (a random one is the default).
        alternative.Boundary = $"=-{row.Id:N}";
        if (kind is MessageKind.Booked or MessageKind.Rescheduled or MessageKind.Cancelled)
        {
            alternative.Add(InvitePart(s, kind, facts.ToTeacher ? SessionPage(s) : new Uri(FamilyLinkOf(s, recipient, facts.FamilyLink)), text, row.CreatedAt));
        }
        message.Body = alternative;
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    /// <summary>The message of an outbox row as the bytes of an <c>.eml</c> file (7-bit MIME).</summary>
    public byte[] RenderBytes(OutboxMessage row)
    {
        using var message = Render(row);
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }

    /// <summary>"Thursday 3 December 2026, 10:00–10:30 (UK time)".</summary>
    public static string WhenText(MailSession s) => $"{Display.When(s.Start, s.End, s.Zone)} ({ZoneLabel(s.Zone)})";

    public static string ZoneLabel(DateTimeZone zone) => zone.Id == "Europe/London" ? "UK time" : $"{zone.Id} time";

    private static string SubjectOf(MailSession s, MessageKind kind, string when, bool toTeacher)
    {
        var pupils = s.PupilsText;
        var copy = toTeacher ? "Copy: " : "";
        return copy + kind switch
        {
            MessageKind.Booked => $"Video call booked for {pupils}: {when}",
            MessageKind.Rescheduled => $"Video call moved for {pupils}: now {when}",
            MessageKind.Cancelled => $"Video call cancelled for {pupils}: {when}",
            MessageKind.ReminderDayBefore => $"Reminder: video call for {pupils} {when}",
            _ => $"Today: video call for {pupils} at {Display.Time(Instant.FromDateTimeOffset(s.Start).InZone(s.Zone).TimeOfDay)}",
        };
    }

    private MailBody BodyOf(MailSession s, MessageKind kind, MailPerson recipient, bool toTeacher, MessageWording wording, string when, string? familyLink)
    {
        var pupils = s.PupilsText;
        string Fill(string text) => text
            .Replace("{recipient}", recipient.Name, StringComparison.Ordinal)
            .Replace("{teacher}", s.Teacher.Name, StringComparison.Ordinal)
            .Replace("{pupils}", pupils, StringComparison.Ordinal)
            .Replace("{school}", s.SchoolName, StringComparison.Ordinal);

        var body = new MailBody();
        body.Paragraph(toTeacher ? TeacherOpening(s, kind) : Fill(wording.Opening));
        body.Strong(kind switch
        {
            MessageKind.Cancelled => $"Cancelled: {when}",
            MessageKind.Rescheduled when s.MovedFrom is { } from => $"Moved from {Display.At(from, s.Zone)} to {when}",
            _ => when,
        });
        // Only a parent or carer known to be without parental responsibility is told that consent is not theirs to give (clause 1).
        var supervisesOnly = !toTeacher && recipient.ParentalResponsibility == false;
        MailBody Close()
        {
            if (toTeacher)
            {
                return body; // the school's closing words are the families'
            }
            // The office's details join a closing that already asks them to contact it, rather than a second sentence saying so.
            foreach (var paragraph in s.Office is { } office ? office.AfterClosing(Fill(wording.Closing)) : [Fill(wording.Closing)])
            {
                body.Paragraph(paragraph);
            }
            return body;
        }

        if (kind == MessageKind.Cancelled)
        {
            body.Heading("Why it was cancelled").Paragraph(s.CancellationReason ?? "No reason was given.");
            body.Paragraph("The calendar invite in this email removes the call from your calendar. The link sent for this call no longer opens it.");
            return Close();
        }

        body.Heading("Who").List(
            $"{s.Teacher.Name} (teacher), who hosts the call",
            $"{string.Join(" and ", s.Pupils)} (pupil{(s.Pupils.Count > 1 ? "s" : "")})" + (s.OtherPupils > 0 ? $", {Display.SmallGroupWith(s.OtherPupils)}, each with their own parent or carer" : ""),
            toTeacher
                ? $"Supervising: {string.Join(", ", s.Guardians.Select(g => g.ParentalResponsibility == false ? $"{g.Name} (no parental responsibility, so cannot give consent)" : g.Name))}"
                : $"You, {recipient.Name}, supervising throughout");
        JoinLink(body, s, recipient, toTeacher, familyLink);

        if (kind == MessageKind.ReminderMorning)
        {
            body.Paragraph("Please be in a communal room downstairs, with the television and other devices off, and stay with your child for the whole call. "
                + (supervisesOnly
                    ? $"{Families.SupervisingOnly.Sentence(s.Pupils, s.InTeams)} (clause 1)"
                    : "At the start, a parent or carer with parental responsibility gives consent for the call (clause 1)."));
            return Close();
        }

        body.Heading("Before the call: the room (clause 9)").List(FamilyChecklist.Items.Where(i => i.Clause == Policy.Clauses.Environment).Select(i => i.Text).ToList());
        body.Heading("Dress (clause 10)").Paragraph("Your child should be dressed appropriately, as for a school day; the teacher will be professionally dressed.");
        body.Heading("At the start and throughout (clause 1)").List(
            supervisesOnly
                ? Families.SupervisingOnly.Sentence(s.Pupils, s.InTeams)
                : "A parent or carer with parental responsibility gives consent at the start of the call; the teacher records it.",
            "The parent or carer stays with the child for the whole call.",
            "Your child does the talking; if the teacher speaks to you directly, please answer.");
        body.Heading("Recording (clause 2)").Paragraph(
            "The call is recorded by the school. Recordings are deleted when face-to-face teaching resumes at the end of the national lockdown, unless the school's safeguarding lead must keep one to protect a child.");
        body.Heading("What we expect (clause 7)").List(Policy.PolicySettings.Lines(s.ExpectationsForFamilies ?? Policy.PolicySettings.DefaultExpectationsForFamilies).ToList());
        return Close();
    }

    /// <summary>
    /// The teacher's copy opens with words for the teacher, not the family's opening addressed to
    /// them: "Dear Ms Teacher, you booked a video call with Toby. This is your copy of the email
    /// sent to the parents and carers of Toby." (or who booked it for them, when someone else did);
    /// the school's closing words, written to families, are left out of it.
    /// </summary>
    private static string TeacherOpening(MailSession s, MessageKind kind)
    {
        var pupils = s.PupilsText;
        var what = kind switch
        {
            MessageKind.Booked => s.BookedBy is { } by ? $"{by} booked a video call for you with {pupils}." : $"you booked a video call with {pupils}.",
            MessageKind.Rescheduled => $"your video call with {pupils} has moved to a new time.",
            MessageKind.Cancelled => $"your video call with {pupils} has been cancelled.",
            MessageKind.ReminderDayBefore => $"a reminder that you have a video call with {pupils} on the next school day.",
            _ => $"a short reminder: you have a video call with {pupils} today.",
        };
        var copy = kind is MessageKind.ReminderDayBefore or MessageKind.ReminderMorning ? "reminder" : "email";
        return $"Dear {s.Teacher.Name}, {what} This is your copy of the {copy} sent to the parents and carers of {pupils}.";
    }

    private void JoinLink(MailBody body, MailSession s, MailPerson recipient, bool toTeacher, string? familyLink)
    {
        body.Heading("How to join");
        if (toTeacher)
        {
            if (s.InTeams)
            {
                body.Paragraph("The call takes place in Microsoft Teams, in the meeting Chaperone puts on your calendar. Its page here shows the meeting, and is where you record the outcome afterwards.");
            }
            body.Link("Open the session", SessionPage(s).ToString());
        }
        else
        {
            body.Paragraph(s.InTeams
                ? "The call takes place in Microsoft Teams. Open your own page for this call with the link below (the link is yours alone: please do not share it). There you can tick off the room checklist in advance and test your camera and microphone. From 10 minutes before the start, a parent with parental responsibility gives consent there, and the page then gives the link to the Teams meeting, in the Teams app or a web browser, where the teacher lets you in from the meeting's lobby. If you cannot come, please say so there too: the teacher is told at once."
                : "Open your own page for this call with the link below (the link is yours alone: please do not share it). There you can tick off the room checklist in advance, test your camera and microphone, and join the call when the teacher opens it. If you cannot come, please say so there too: the teacher is told at once.");
            body.Link("Open your page for this call", FamilyLinkOf(s, recipient, familyLink));
        }
    }

    private Uri SessionPage(MailSession s) => new(links.BaseUrl, $"/sessions/{s.SessionId}");

    /// <summary>The guardian's own link to their page, as it was issued when the message was written (or, for a row without one, now).</summary>
    private string FamilyLinkOf(MailSession s, MailPerson recipient, string? familyLink) => familyLink ?? links.UrlFor(s.SessionId, recipient.Id).ToString();

    /// <summary>
    /// The invite as a text/calendar part (UTF-8): the calendar's opening lines, the zone's
    /// VTIMEZONE and the event, each as Ical.Net writes it. Only the event differs from one message
    /// to the next, so only the event is serialized per message; the rest is made once per zone and
    /// year, and the pieces are written straight into the part's content.
    /// </summary>
    /// <remarks>
    /// Published, not requested (RFC 5546, 3.2.1): the event has the school as ORGANIZER and no
    /// ATTENDEE, so mail apps offer to add it to the calendar rather than "Accept" and "Decline"
    /// that would go to an address nobody reads. A move publishes the event again under the same
    /// UID with a higher SEQUENCE, and a cancellation publishes it with STATUS:CANCELLED and a
    /// higher SEQUENCE still, so the family's calendar moves or removes the one event it holds (the
    /// same event as the staff feed and the family's page give: <see cref="CalendarFeeds.EventOf"/>).
    /// </remarks>
    private TextPart InvitePart(MailSession s, MessageKind kind, Uri url, string description, DateTimeOffset now)
    {
        var ev = CalendarFeeds.EventOf(s.SessionId, s.Sequence, kind == MessageKind.Cancelled, s.Start, s.End, s.Zone,
            $"{s.SchoolName}: video call with {string.Join(" and ", s.Pupils)}{(s.OtherPupils > 0 ? " (small group)" : "")}", url, now, description);
        ev.Organizer = new Organizer($"mailto:{options.From.Address}") { CommonName = s.SchoolName };
        var eventText = new CalendarSerializer().SerializeToString(ev)!;

        var (head, tail) = CalendarFrame(InviteMethod);
        var zone = TimeZoneBlock(s.Zone.Id, Instant.FromDateTimeOffset(s.Start).InZone(s.Zone).Year - 1);
        var eventLength = System.Text.Encoding.UTF8.GetByteCount(eventText);
        var bytes = new byte[head.Length + zone.Length + eventLength + tail.Length];
        head.CopyTo(bytes, 0);
        zone.CopyTo(bytes, head.Length);
        System.Text.Encoding.UTF8.GetBytes(eventText, bytes.AsSpan(head.Length + zone.Length, eventLength));
        tail.CopyTo(bytes, head.Length + zone.Length + eventLength);

        var part = new TextPart("calendar") { Content = new MimeContent(new MemoryStream(bytes, writable: false)) };
        part.ContentType.Charset = "utf-8";
        part.ContentType.Parameters.Add("method", InviteMethod);
        return part;
    }

    /// <summary>The iTIP method of every invite: a published event, with nobody asked to reply (RFC 5546, 3.2.1).</summary>
    public const string InviteMethod = "PUBLISH";

    private static readonly ConcurrentDictionary<string, (byte[] Head, byte[] Tail)> CalendarFrames = new(StringComparer.Ordinal);

    /// <summary>
    /// The lines of an invite before its components (BEGIN:VCALENDAR, METHOD, PRODID, VERSION) and
    /// after them (END:VCALENDAR), as Ical.Net writes them for a calendar of <paramref name="method"/>.
    /// </summary>
    private static (byte[] Head, byte[] Tail) CalendarFrame(string method) => CalendarFrames.GetOrAdd(method, m =>
    {
        var text = new CalendarSerializer().SerializeToString(new Calendar { Method = m, ProductId = "-//Chaperone//Session invites//EN" })!;
        var end = text.IndexOf("END:VCALENDAR", StringComparison.Ordinal);
        return (System.Text.Encoding.UTF8.GetBytes(text[..end]), System.Text.Encoding.UTF8.GetBytes(text[end..]));
    });

    private static readonly ConcurrentDictionary<(string Zone, int FromYear), byte[]> TimeZoneBlocks = new();

    /// <summary>The VTIMEZONE block of <paramref name="zoneId"/> from the start of <paramref name="fromYear"/>, as Ical.Net writes it (UTF-8).</summary>
    private static byte[] TimeZoneBlock(string zoneId, int fromYear) => TimeZoneBlocks.GetOrAdd((zoneId, fromYear), key =>
    {
        var calendar = new Calendar();
        calendar.AddTimeZone(key.Zone, new DateTime(key.FromYear, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), false);
        var text = new CalendarSerializer().SerializeToString(calendar)!;
        const string end = "END:VTIMEZONE\r\n";
        var from = text.IndexOf("BEGIN:VTIMEZONE", StringComparison.Ordinal);
        return System.Text.Encoding.UTF8.GetBytes(text[from..(text.IndexOf(end, StringComparison.Ordinal) + end.Length)]);
    });

    internal static string DomainOf(string address) => address.Split('@') is [_, var domain] && domain.Length > 0 ? domain : "chaperone.invalid";
}
