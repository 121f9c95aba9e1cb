using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Records;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chaperone.Pages.Guardians;

/// <summary>A parent or carer's own subject access export (<see cref="SubjectAccess.ForGuardianAsync"/>): what it holds, and the download.</summary>
[Authorize(Policy = AuthPolicies.SubjectAccess)]
public sealed class SubjectAccessModel(Storage.ChaperoneDbContext db, SubjectAccess exports, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : PageModel
{
    public string GuardianName { get; private set; } = "";

    public int Sessions { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        if (!Ids.TryParse(id, out var guardianId)
            || await db.Guardians.AsNoTracking().Where(g => g.Id == guardianId && g.SchoolId == schoolId).Select(g => g.Name).FirstOrDefaultAsync(ct) is not { } name)
        {
            return NotFound();
        }
        GuardianName = name;
        Sessions = await db.SessionGuardians.AsNoTracking().CountAsync(sg => sg.GuardianId == guardianId && sg.SchoolId == schoolId, ct);
        return Page();
    }

    [BindProperty]
    public bool IncludeRecordings { get; set; }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (await exports.ForGuardianAsync(User, id, IncludeRecordings, ct) is not { } export)
        {
            return NotFound();
        }
        await (await exports.DownloadAsync(HttpContext, export, export.ParentOrCarer.Name, export.Recordings, json.Value.SerializerOptions, ct)).ExecuteAsync(HttpContext);
        return new EmptyResult();
    }
}
