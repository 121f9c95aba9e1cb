using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Admin;

/// <summary>Emails that could not be delivered, or keep failing: the parents may not know about a session.</summary>
public sealed class DeliveryProblemsModel(ChaperoneDbContext db) : PageModel
{
    public IReadOnlyList<OutboxMessage> Messages { get; private set; } = [];
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Zone = (await BookingFacts.LoadSettingsAsync(db, User.SchoolId(), ct)).TimeZone;
        Messages = await OutboxQueries.Problems(OutboxQueries.Visible(db, User)).AsNoTracking()
            .OrderByDescending(m => m.CreatedAt).Take(500).ToListAsync(ct);
    }
}
