using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Notifications;

/// <summary>
/// A school's own wording for one kind of message: the opening and closing paragraphs. Everything
/// the policy requires (time, how to join, the room checklist, dress, consent, recording and its
/// deletion, expectations, a cancellation's reason) is written by the system between them, so no
/// wording can leave it out.
/// </summary>
public sealed class MessageTemplate
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public MessageKind Kind { get; set; }
    public required string Opening { get; set; }
    public required string Closing { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class MessageTemplateConfiguration : IEntityTypeConfiguration<MessageTemplate>
{
    public void Configure(EntityTypeBuilder<MessageTemplate> b)
    {
        b.ToTable("MessageTemplates");
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.Kind).HasConversion<string>().HasMaxLength(32);
        b.Property(t => t.Opening).HasMaxLength(MessageWording.MaxLength);
        b.Property(t => t.Closing).HasMaxLength(MessageWording.MaxLength);
        b.HasOne<School>().WithMany().HasForeignKey(t => t.SchoolId);
        b.HasIndex(t => new { t.SchoolId, t.Kind }).IsUnique();
    }
}

/// <summary>The editable paragraphs of one kind of message, with the defaults a school starts from.</summary>
public sealed record MessageWording(string Opening, string Closing)
{
    public const int MaxLength = 4000;

    public static MessageWording Default(MessageKind kind) => kind switch
    {
        MessageKind.Booked => new(
            "Dear {recipient}, {teacher} has booked a video call with {pupils}. Please keep this email: it has everything you need for the call.",
            "Thank you for helping us keep these calls safe. If the time does not suit, please contact the school office."),
        MessageKind.Rescheduled => new(
            "Dear {recipient}, the video call with {pupils} has moved to a new time. The calendar invite in this email replaces the earlier one.",
            "Thank you. If the new time does not suit, please contact the school office."),
        MessageKind.Cancelled => new(
            "Dear {recipient}, the video call with {pupils} has been cancelled.",
            "We are sorry for any inconvenience. The school will be in touch about another time if one is needed."),
        MessageKind.ReminderDayBefore => new(
            "Dear {recipient}, a reminder that {pupils} has a video call with {teacher} on the next school day.",
            "Thank you for helping us keep these calls safe."),
        MessageKind.ReminderMorning => new(
            "Dear {recipient}, a short reminder: {pupils} has a video call with {teacher} today.",
            "See you soon."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The placeholders a school's wording may use.</summary>
    public static IReadOnlyList<string> Placeholders { get; } = ["{recipient}", "{teacher}", "{pupils}", "{school}"];
}
