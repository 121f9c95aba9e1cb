using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Outbox;

/// <summary>The outbox: the emails of the sessions this member of staff may see, newest first, and (for the embedded default) their .eml files.</summary>
public sealed class IndexModel(ChaperoneDbContext db, EmailOptions email) : PageModel
{
    public IReadOnlyList<OutboxMessage> Messages { get; private set; } = [];
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public string? Status { get; private set; }
    public bool MailFolder => !email.UsesSmtp;
    public string MailFolderPath => email.MailFolder;

    public async Task OnGetAsync(string? status, CancellationToken ct)
    {
        Zone = (await BookingFacts.LoadSettingsAsync(db, User.SchoolId(), ct)).TimeZone;
        var query = OutboxQueries.Visible(db, User).AsNoTracking();
        Status = status;
        query = status switch
        {
            "problems" => OutboxQueries.Problems(query),
            "pending" => query.Where(m => m.Status == MessageStatus.Pending),
            "sent" => query.Where(m => m.Status == MessageStatus.Sent),
            _ => query,
        };
        Messages = await query.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.RecipientName).Take(200).ToListAsync(ct);
    }

    /// <summary>The .eml file of a message written to the mail folder, if it is there.</summary>
    public string? FileOf(OutboxMessage m)
    {
        if (!MailFolder || m.Status != MessageStatus.Sent)
        {
            return null;
        }
        var name = MailFolderDelivery.FileNameOf(m);
        return System.IO.File.Exists(System.IO.Path.Combine(email.MailFolder, name)) ? name : null;
    }
}
