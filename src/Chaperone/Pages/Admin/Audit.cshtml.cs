using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Admin;

/// <summary>
/// The admin's view of the school's audit trail: search by dates, actor, action and subject
/// (the same filter as <c>GET /api/v1/audit</c>), page through it, and check that the chain is
/// intact (the same check as <c>GET /api/v1/audit/verify</c>).
/// </summary>
public sealed class AuditModel(ChaperoneDbContext db, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubjectType { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubjectId { get; set; }
    [BindProperty(SupportsGet = true)] public int PageNumber { get; set; } = 1;

    public AuditPage? Results { get; private set; }
    public AuditVerification? Verification { get; private set; }
    public FormErrors Errors { get; } = new();
    public NodaTime.DateTimeZone Zone { get; private set; } = NodaTime.DateTimeZone.Utc;

    public static IReadOnlyList<string> Actions { get; } = typeof(AuditActions).GetFields().Select(f => (string)f.GetValue(null)!).Order().ToList();
    public static IReadOnlyList<string> Subjects { get; } = typeof(AuditSubjects).GetFields().Select(f => (string)f.GetValue(null)!).Order().ToList();

    public Task OnGetAsync(CancellationToken ct) => SearchAsync(ct);

    /// <summary>Checks the chain (a POST: it reads every entry, so it is not done on every visit).</summary>
    public async Task OnPostVerifyAsync(CancellationToken ct)
    {
        Verification = await AuditVerifier.VerifyAsync(db, User.SchoolId(), clock.GetUtcNow(), ct);
        await SearchAsync(ct);
    }

    private async Task SearchAsync(CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        Zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var errors = new Dictionary<string, string[]>();
        var filter = AuditFilter.Parse(From, To, Actor, Action, SubjectType, SubjectId, Zone, errors);
        Errors.AddAll(errors, key => key switch { "from" => "from", "to" => "to", "actor" => "actor", "action" => "action", "subjectType" => "subjectType", _ => "subjectId" });
        if (Errors.Any)
        {
            return;
        }
        PageNumber = Math.Clamp(PageNumber, 1, 1_000_000);
        Results = await AuditEndpoints.SearchAsync(db, schoolId, filter, PageNumber, PageSize, ConfidentialDetails.ReadsAll(User), ct);
    }

    public string Local(DateTimeOffset at) =>
        NodaTime.Instant.FromDateTimeOffset(at).InZone(Zone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>This search's address for another page of results.</summary>
    public string PageLink(int page) => Url.Page("/Admin/Audit", new { From, To, Actor, Action, SubjectType, SubjectId, pageNumber = page })!;
}
