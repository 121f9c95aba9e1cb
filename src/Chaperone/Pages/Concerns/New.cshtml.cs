using Chaperone.Concerns;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Concerns;

/// <summary>
/// Raise a concern (clause 12): on its own, from a session's page, or from the call console with
/// the moment in the recording filled in; or complete a draft saved when an unknown person was
/// removed from a call. The checks are <see cref="RaiseConcern"/>'s, the same as the API's.
/// </summary>
public sealed class NewModel(ChaperoneDbContext db, RaiseConcern raise, TimeProvider clock) : PageModel
{
    [BindProperty] public string? Kind { get; set; }
    [BindProperty] public List<string> PupilIds { get; set; } = [];
    [BindProperty] public string? Summary { get; set; }
    [BindProperty] public string? Detail { get; set; }
    [BindProperty] public string? ChildsOwnWords { get; set; }
    [BindProperty] public string? SessionId { get; set; }
    [BindProperty] public string? Moment { get; set; }
    [BindProperty] public string? RouteToId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Draft { get; set; }

    public FormErrors Errors { get; } = new();
    public List<(Guid Id, string Name)> Pupils { get; private set; } = [];
    public List<(Guid Id, string Name, string? Email)> Leaders { get; private set; } = [];
    public string? SessionLabel { get; private set; }
    public string? DraftReference { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? sessionId, bool fromConsole, string? kind, CancellationToken ct)
    {
        if (Draft is not null)
        {
            if (await LoadDraftAsync(ct) is not { } draft)
            {
                return NotFound();
            }
            Kind = ConcernDtos.KindName(draft.Kind);
            PupilIds = draft.Pupils.Select(p => Ids.Format(p.PupilId)).ToList();
            Summary = draft.Summary;
            Detail = draft.Detail;
            ChildsOwnWords = draft.ChildsOwnWords;
            SessionId = draft.SessionId is { } s ? Ids.Format(s) : null;
            Moment = draft.RecordingOffsetSeconds is { } m ? ConcernDtos.Moment(m) : null;
        }
        else if (Ids.TryParse(sessionId, out var session) && await ListSessions.Visible(db, User).AnyAsync(x => x.Id == session, ct))
        {
            SessionId = Ids.Format(session);
            PupilIds = await db.SessionPupils.Where(p => p.SessionId == session && p.SchoolId == User.SchoolId()).Select(p => Ids.Format(p.PupilId)).ToListAsync(ct);
            if (fromConsole && await RecordingMoment.SecondsAsync(db, User.SchoolId(), session, clock.GetUtcNow(), ct) is { } seconds)
            {
                Moment = ConcernDtos.Moment(seconds);
            }
        }
        Kind ??= kind is "behaviour" or "safeguarding" ? kind : null;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        Guid? draftId = null;
        if (Draft is not null)
        {
            if (await LoadDraftAsync(ct) is not { } draft)
            {
                return NotFound();
            }
            draftId = draft.Id;
        }
        var offset = ParseMoment(Moment);
        if (Moment is { Length: > 0 } && offset is null)
        {
            Errors.Add("moment", "Give the moment as minutes and seconds from the start of the recording, for example 12:30.");
        }
        if (Errors.Any)
        {
            await LoadAsync(ct);
            return Page();
        }
        var request = new ConcernRequest([.. PupilIds], Kind, Summary, Detail, SessionId: SessionId, ChildsOwnWords: ChildsOwnWords, RecordingOffsetSeconds: offset,
            RouteToId: Kind == "behaviour" ? RouteToId : null);
        switch (await raise.HandleAsync(User, request, draftId, ct))
        {
            case RaiseOutcome.Raised r:
                TempData["Notice"] = $"Concern {r.Concern.Reference} is raised. {r.Told}";
                return Redirect($"/concerns/{Ids.Format(r.Concern.Id)}");
            case RaiseOutcome.Invalid i:
                Errors.AddAll(i.Errors, FieldOf);
                await LoadAsync(ct);
                return Page();
            default:
                return NotFound();
        }
    }

    private Task<Concern?> LoadDraftAsync(CancellationToken ct)
    {
        if (!Ids.TryParse(Draft, out var id))
        {
            return Task.FromResult<Concern?>(null);
        }
        var me = User.UserId();
        var school = User.SchoolId();
        return db.Set<Concern>().AsNoTracking().Include(c => c.Pupils)
            .FirstOrDefaultAsync(c => c.Id == id && c.SchoolId == school && c.RaisedById == me && c.Status == ConcernStatus.Draft, ct);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var school = User.SchoolId();
        Pupils = (await db.Pupils.AsNoTracking().Where(p => p.SchoolId == school).OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync(ct))
            .Select(p => (p.Id, p.Name)).ToList();
        Leaders = await StaffWithRole.ListAsync(db, school, Roles.Slt, ct);
        // Only a session the raiser may see is described: a posted-back id names nothing else.
        SessionLabel = Ids.TryParse(SessionId, out var session) ? await SessionLabelAsync(db, User, session, ct) : null;
        if (Ids.TryParse(Draft, out var draftId))
        {
            DraftReference = await db.Set<Concern>().Where(c => c.Id == draftId && c.SchoolId == school).Select(c => (int?)c.Number).FirstOrDefaultAsync(ct) is { } n
                ? Concern.ReferenceOf(n) : null;
        }
    }

    /// <summary>"Monday 7 December 2026, 09:35–10:05 with Amelia Brown": a session <paramref name="user"/> may see, in the school's zone; null for any other.</summary>
    public static async Task<string?> SessionLabelAsync(ChaperoneDbContext db, System.Security.Claims.ClaimsPrincipal user, Guid session, CancellationToken ct)
    {
        var school = user.SchoolId();
        if (!await ListSessions.Visible(db, user).AnyAsync(x => x.Id == session, ct) || await SessionView.LoadAsync(db, school, session, ct) is not { } s)
        {
            return null;
        }
        var zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(x => x.Id == school).Select(x => x.TimeZoneId).FirstAsync(ct));
        return $"{Display.When(s.Start, s.End, zone)} with {string.Join(" and ", s.Pupils.Select(p => p.Name))}";
    }

    /// <summary>"12:30", "1:02:03" or a number of seconds.</summary>
    public static int? ParseMoment(string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }
        var parts = t.Split(':');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0 || p.Length > 5 || !p.All(char.IsAsciiDigit)))
        {
            return null;
        }
        var seconds = parts.Aggregate(0L, (total, p) => total * 60 + long.Parse(p, System.Globalization.CultureInfo.InvariantCulture));
        return seconds <= 24 * 3600 ? (int)seconds : null;
    }

    public static string FieldOf(string apiField) => apiField switch
    {
        var f when f.StartsWith("pupilIds", StringComparison.Ordinal) => "pupils",
        "recordingOffsetSeconds" => "moment",
        "sessionId" => "session",
        _ => apiField,
    };
}
