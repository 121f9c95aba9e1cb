using Chaperone.Families;
using Chaperone.Notifications;
using NodaTime;

namespace Chaperone.Concerns;

/// <summary>
/// The emails of clause 12. They carry no content: they say that a concern exists, its reference,
/// who raised it and when, and link to it; the concern is read after signing in (with two factors
/// for the DSL and senior leaders). No pupil's name, no summary, no detail, no child's words.
/// </summary>
public sealed class ConcernMail(EmailOptions options, FamilyLinks links, TimeProvider clock)
{
    public OutboxMessage Compose(Concern concern, string schoolName, DateTimeZone zone, (Guid Id, string Name, string Email) to, string recipientRole, bool escalated)
    {
        var now = clock.GetUtcNow();
        var what = concern.Kind == ConcernKind.Safeguarding ? "safeguarding concern" : "behaviour concern";
        var when = Pages.Display.At(concern.RaisedAt ?? now, zone) + " (" + MessageComposer.ZoneLabel(zone) + ")";
        var subject = escalated
            ? $"Escalated: a {what} ({concern.Reference}) has not been acknowledged"
            : $"A {what} ({concern.Reference}) has been raised";
        var body = new MailBody()
            .Paragraph($"Dear {to.Name},")
            .Strong(escalated
                ? $"A {what} raised by {concern.RaisedByName} has not been acknowledged in time, so it comes to you again."
                : $"A {what} has been raised by {concern.RaisedByName}.")
            .Paragraph($"Reference {concern.Reference}, raised on {when}.")
            .Paragraph("This email does not say what the concern is. Sign in to Chaperone to read it and acknowledge it.")
            .Link("Open the concern", new Uri(links.BaseUrl, $"/concerns/{concern.Id}").ToString());

        var row = MessageComposer.ReadyMade(options, concern.SchoolId, schoolName, escalated ? MessageKind.ConcernEscalated : MessageKind.ConcernRaised, recipientRole, to, subject, body, now);
        row.ConcernId = concern.Id;
        return row;
    }

    /// <summary>
    /// To a teacher, a safeguarding draft saved for them while they were not there to save it
    /// (<see cref="RaiseConcern.AddTeamsUnknownDraftAsync"/>): that it waits, its reference, and
    /// that it goes to the DSL as it stands after <paramref name="minutes"/>. Content-free, as the alerts are.
    /// </summary>
    public OutboxMessage DraftWaiting(Concern concern, string schoolName, (Guid Id, string Name, string Email) to, int minutes)
    {
        var now = clock.GetUtcNow();
        var body = new MailBody()
            .Paragraph($"Dear {to.Name},")
            .Strong($"A safeguarding concern draft ({concern.Reference}) about one of your video calls is saved for you, and waits for you to complete it.")
            .Paragraph($"If it is not raised within {minutes} minutes of being saved, it goes to the designated safeguarding lead as it stands.")
            .Paragraph("This email does not say what it is about. Sign in to Chaperone to read it.")
            .Link("Open the draft", new Uri(links.BaseUrl, $"/concerns/new?draft={Infrastructure.Ids.Format(concern.Id)}").ToString());
        var row = MessageComposer.ReadyMade(options, concern.SchoolId, schoolName, MessageKind.ConcernDraftWaiting, "teacher", to,
            $"A safeguarding concern draft ({concern.Reference}) is waiting for you", body, now, concern.SessionId);
        row.ConcernId = concern.Id;
        return row;
    }
}
