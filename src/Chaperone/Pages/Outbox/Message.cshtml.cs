using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using NodaTime;

namespace Chaperone.Pages.Outbox;

/// <summary>One email: to whom, its status and every attempt with the server's reply, its text, and the message itself (.eml).</summary>
public sealed class MessageModel(ChaperoneDbContext db, TimeProvider clock, OutboxSignal signal, MessageComposer composer) : PageModel
{
    public OutboxMessage Message { get; private set; } = null!;
    public IReadOnlyList<DeliveryAttempt> Attempts { get; private set; } = [];
    public string Text { get; private set; } = "";
    public bool HasInvite { get; private set; }
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        using var mime = composer.Render(Message);
        Text = mime.TextBody ?? "";
        HasInvite = mime.BodyParts.OfType<TextPart>().Any(p => p.ContentType.IsMimeType("text", "calendar"));
        Attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => a.OutboxMessageId == Message.Id).OrderBy(a => a.At).ToListAsync(ct);
        return Page();
    }

    /// <summary>The message as it is (or was) sent, written again from its row.</summary>
    public async Task<IActionResult> OnGetEmlAsync(string id, CancellationToken ct) =>
        await LoadAsync(id, ct)
            ? File(composer.RenderBytes(Message), "message/rfc822", $"{Ids.Format(Message.Id)}.eml")
            : NotFound();

    public async Task<IActionResult> OnPostRetryAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        if (await OutboxQueries.RetryAsync(db, User, Message.Id, clock.GetUtcNow(), ct))
        {
            signal.Wake();
            TempData["Notice"] = "The message is queued again and will be sent shortly.";
        }
        return LocalRedirect($"/outbox/{Ids.Format(Message.Id)}");
    }

    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var messageId) || await OutboxQueries.Visible(db, User).AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId, ct) is not { } message)
        {
            return false;
        }
        Message = message;
        Zone = (await BookingFacts.LoadSettingsAsync(db, User.SchoolId(), ct)).TimeZone;
        return true;
    }
}
