using Chaperone.Concerns;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Records;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chaperone.Pages.Pupils;

/// <summary>A pupil's subject access export (<see cref="SubjectAccess"/>): what it holds, and the download.</summary>
[Authorize(Policy = AuthPolicies.SubjectAccess)]
public sealed class SubjectAccessModel(Storage.ChaperoneDbContext db, SubjectAccess exports, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : PageModel
{
    public string PupilId { get; private set; } = "";

    public string PupilName { get; private set; } = "";

    public int Sessions { get; private set; }

    [BindProperty]
    public bool IncludeConcerns { get; set; }

    /// <summary>Whether the maker may include concerns (signed in with two factors as the DSL or a senior leader).</summary>
    public bool MayIncludeConcerns => ConcernAccess.ReadsBehaviour(User);

    public bool MayIncludeSafeguarding => ConcernAccess.ReadsSafeguarding(User);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        if (!Ids.TryParse(id, out var pupilId)
            || await db.Pupils.AsNoTracking().Where(p => p.Id == pupilId && p.SchoolId == schoolId).Select(p => p.Name).FirstOrDefaultAsync(ct) is not { } name)
        {
            return NotFound();
        }
        (PupilId, PupilName) = (Ids.Format(pupilId), name);
        Sessions = await db.SessionPupils.AsNoTracking().CountAsync(sp => sp.PupilId == pupilId && sp.SchoolId == schoolId, ct);
        return Page();
    }

    [BindProperty]
    public bool IncludeRecordings { get; set; }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (await exports.ForPupilAsync(User, id, IncludeConcerns && MayIncludeConcerns, IncludeRecordings, ct) is not { } export)
        {
            return NotFound();
        }
        await (await exports.DownloadAsync(HttpContext, export, export.Pupil.Name, export.Recordings, json.Value.SerializerOptions, ct)).ExecuteAsync(HttpContext);
        return new EmptyResult();
    }
}
