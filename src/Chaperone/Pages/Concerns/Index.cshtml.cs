using Chaperone.Concerns;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Concerns;

/// <summary>
/// The concerns the signed-in member of staff may read, unacknowledged first: the DSL's inbox
/// (safeguarding and behaviour), a senior leader's behaviour list, anyone's own concerns and drafts.
/// New alerts appear live (the layout's staff hub connection).
/// </summary>
public sealed class IndexModel(ChaperoneDbContext db, HandleConcern handle) : PageModel
{
    public const int PageSize = 50;

    public List<ConcernSummaryDto> Concerns { get; private set; } = [];
    public int Total { get; private set; }

    [BindProperty(SupportsGet = true)]
    public int PageNumber { get; set; } = 1;
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public string Heading { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Heading = ConcernAccess.ReadsSafeguarding(User) ? "Safeguarding inbox"
            : ConcernAccess.ReadsBehaviour(User) ? "Behaviour concerns"
            : "Concerns you raised";
        Zone = await ZoneAsync(db, User.SchoolId(), ct);
        PageNumber = Math.Clamp(PageNumber, 1, 1_000_000);
        (Concerns, Total) = await handle.ListAsync(User, new ConcernPage(PageNumber, PageSize), ct);
        return Page();
    }

    public static async Task<DateTimeZone> ZoneAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        Policy.PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));

    /// <summary>Where a concern is in its routing, in words.</summary>
    public static string State(ConcernSummaryDto c, DateTimeZone zone) => c switch
    {
        { Status: "draft" } => "Draft: not raised yet",
        { Closed: true } => $"Closed by {c.ClosedBy}",
        { Acknowledged: true } => $"Open: acknowledged by {c.AcknowledgedBy}",
        { EscalatedAt: not null } => "Escalated: not acknowledged",
        { EscalateAt: { } at } => $"Awaiting acknowledgement (escalates at {Display.Time(Instant.FromDateTimeOffset(at).InZone(zone).TimeOfDay)})",
        _ => "Awaiting acknowledgement",
    };
}
