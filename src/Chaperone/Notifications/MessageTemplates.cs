using System.Text.RegularExpressions;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Notifications;

/// <summary>
/// The school admin's wording of each kind of message: read, checked, previewed and saved. Only
/// the opening and closing paragraphs are editable; what the policy requires is written by
/// <see cref="MessageComposer"/> between them, so it cannot be removed.
/// </summary>
public sealed partial class MessageTemplates(ChaperoneDbContext db, MessageComposer composer, TimeProvider clock)
{
    /// <summary>The session messages to families a school words itself (clause 8); every other message is ready-made and fixed: concern alerts are content-free (clause 12), and the notes to staff are the school's policy.</summary>
    public static IReadOnlyList<MessageKind> Kinds { get; } =
        Enum.GetValues<MessageKind>().Where(k => k is MessageKind.Booked or MessageKind.Rescheduled or MessageKind.Cancelled or MessageKind.ReminderDayBefore or MessageKind.ReminderMorning).ToList();

    public async Task<MessageWording> WordingAsync(Guid schoolId, MessageKind kind, CancellationToken ct) =>
        await db.MessageTemplates.AsNoTracking().Where(t => t.SchoolId == schoolId && t.Kind == kind)
            .Select(t => new MessageWording(t.Opening, t.Closing)).FirstOrDefaultAsync(ct) ?? MessageWording.Default(kind);

    /// <summary>What is wrong with proposed wording, by field ("opening", "closing"); empty when it can be saved.</summary>
    public static Dictionary<string, string[]> Check(string? opening, string? closing)
    {
        var errors = new Dictionary<string, string[]>();
        void One(string field, string? text, string what)
        {
            if (FreeText.IsBlank(text))
            {
                errors[field] = [$"Write the {what}."];
            }
            else if (text.Length > MessageWording.MaxLength)
            {
                errors[field] = [$"Keep the {what} under {MessageWording.MaxLength} characters."];
            }
            else if (FreeText.HasControlCharacters(text))
            {
                errors[field] = [$"The {what} has characters that cannot be sent; retype it."];
            }
            else if (Placeholder().Matches(text).Select(m => m.Value).FirstOrDefault(p => !MessageWording.Placeholders.Contains(p)) is { } unknown)
            {
                errors[field] = [$"{unknown} is not a placeholder; use {string.Join(", ", MessageWording.Placeholders)}."];
            }
        }
        One("opening", opening, "opening paragraph");
        One("closing", closing, "closing paragraph");
        return errors;
    }

    public async Task SaveAsync(System.Security.Claims.ClaimsPrincipal user, MessageKind kind, MessageWording wording, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        var row = await db.MessageTemplates.FirstOrDefaultAsync(t => t.SchoolId == schoolId && t.Kind == kind, ct);
        if (row is null)
        {
            db.MessageTemplates.Add(row = new MessageTemplate { SchoolId = schoolId, Kind = kind, Opening = "", Closing = "" });
        }
        row.Opening = wording.Opening.Trim();
        row.Closing = wording.Closing.Trim();
        row.UpdatedAt = clock.GetUtcNow();
        Audit.AuditLog.Record(db, user, Audit.AuditActions.MessageWordingChanged, Audit.AuditSubjects.School, schoolId, new { kind = kind.ToString(), opening = row.Opening, closing = row.Closing });
        await db.SaveChangesAsync(ct);
        await write.CommitAsync(ct);
    }

    public async Task ResetAsync(System.Security.Claims.ClaimsPrincipal user, MessageKind kind, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        // Removed through the context, which stamps the school, so that copies of the wording are read again.
        db.MessageTemplates.RemoveRange(await db.MessageTemplates.Where(t => t.SchoolId == schoolId && t.Kind == kind).ToListAsync(ct));
        Audit.AuditLog.Record(db, user, Audit.AuditActions.MessageWordingReset, Audit.AuditSubjects.School, schoolId, new { kind = kind.ToString() });
        await db.SaveChangesAsync(ct);
        await write.CommitAsync(ct);
    }

    /// <summary>The message a parent would receive with this wording, for an example session next week.</summary>
    public async Task<(string Subject, string Text, string Html)> PreviewAsync(Guid schoolId, MessageKind kind, MessageWording wording, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().FirstAsync(s => s.Id == schoolId, ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var day = Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(zone).Date.PlusWeeks(1);
        var start = day.At(new LocalTime(10, 0)).InZoneLeniently(zone).ToInstant().ToDateTimeOffset();
        var sample = new MailSession(Guid.Empty, schoolId, school.Name, zone, SessionKind.Support, start, start.AddMinutes(30), 0,
            kind == MessageKind.Cancelled ? "The teacher is unwell." : null, new MailPerson(Guid.Empty, "Ms Example (teacher)", "teacher@example.invalid"),
            ["Alex Example"], [new MailPerson(Guid.Empty, "Sam Example", "parent@example.invalid")], Office: Schools.SchoolContact.Of(school.OfficeEmail, school.OfficePhone));
        var message = composer.Compose(sample, kind, sample.Guardians[0], toTeacher: false, wording, clock.GetUtcNow());
        using var mime = composer.Render(message);
        return (message.Subject, mime.TextBody ?? "", mime.HtmlBody ?? "");
    }

    [GeneratedRegex(@"\{[^{}\s]*\}")]
    private static partial Regex Placeholder();
}
