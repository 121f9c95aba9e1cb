using Chaperone.Concerns;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Pupils;

/// <summary>A pupil's chronology: every entry of the concerns about them that the reader may read, oldest first.</summary>
public sealed class ChronologyModel(ChaperoneDbContext db, HandleConcern handle) : PageModel
{
    public string PupilName { get; private set; } = "";
    public List<ChronologyEntryDto> Entries { get; private set; } = [];
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public string PupilId { get; private set; } = "";

    /// <summary>The DSL and deputies make the pupil's child protection file (<see cref="ChildProtectionFiles"/>).</summary>
    public bool MakesChildProtectionFile => ConcernAccess.ReadsSafeguarding(User);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (await handle.PupilChronologyAsync(User, id, ct) is not { } entries)
        {
            return NotFound();
        }
        Entries = entries;
        var pupilId = Guid.Parse(id.Trim());
        PupilId = Ids.Format(pupilId);
        PupilName = await db.Pupils.AsNoTracking().Where(p => p.Id == pupilId).Select(p => p.Name).FirstAsync(ct);
        Zone = await Concerns.IndexModel.ZoneAsync(db, User.SchoolId(), ct);
        return Page();
    }
}
