using Chaperone.Families;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using NodaTime;

namespace Chaperone.Pages.Family;

/// <summary>
/// The guardian's page of one session, opened by their link without an account: when and with
/// whom, what will happen, the room and dress checklist, a camera and microphone test, and the
/// join button. A link that does not open shows a page that names no session and no person.
/// </summary>
[EnableRateLimiting(RateLimits.Family)]
public sealed class IndexModel(OpenFamilyLink open) : PageModel
{
    [BindProperty]
    public List<string> Ticked { get; set; } = [];

    /// <summary>What the family writes for the teacher when they cannot come.</summary>
    [BindProperty]
    public string? Message { get; set; }

    public FamilySessionDto? Session { get; private set; }

    /// <summary>The guardian's token, from the address.</summary>
    public string Token => RouteData.Values["token"] as string ?? "";
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    // The forms are far down the page: an error comes back focused, where the parent sees it.
    public FormErrors Errors { get; } = new() { Autofocus = true };
    public string ClosedHeading { get; private set; } = "";
    public string ClosedText { get; private set; } = "";

    /// <summary>How to contact the school office, if the school has said: on a closed link's page (a cancelled or finished session's) too.</summary>
    public Schools.SchoolOfficeDto? Office { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        return Show(await open.OpenAsync(token, ct));
    }

    public async Task<IActionResult> OnPostChecklistAsync(string token, CancellationToken ct)
    {
        var outcome = await open.SaveChecklistAsync(token, new FamilyChecklistRequest(Ticked.ToArray()), ct);
        if (outcome is FamilyLinkOutcome.Open)
        {
            return Saved(token, "checklist-title", "Thank you: your answers are saved. You can change them at any time before the call.");
        }
        if (outcome is FamilyLinkOutcome.Invalid)
        {
            Errors.Add("checklist", "Something in the checklist was not right: tick the items that are true and save again.");
            return Show(await open.OpenAsync(token, ct));
        }
        return Show(outcome);
    }

    /// <summary>Clause 1 for a Teams session: the parent with parental responsibility consents here, at the start.</summary>
    public async Task<IActionResult> OnPostConsentAsync(string token, CancellationToken ct)
    {
        var outcome = await open.GiveConsentAsync(token, ct);
        if (outcome is FamilyLinkOutcome.Open)
        {
            return Saved(token, "join-title", "Thank you: your consent is recorded. You can now join the Teams meeting.");
        }
        if (outcome is FamilyLinkOutcome.Invalid invalid)
        {
            Errors.Add("consent", invalid.Errors.TryGetValue("consent", out var messages) ? messages[0] : "Your consent could not be recorded.");
            return Show(await open.OpenAsync(token, ct));
        }
        return Show(outcome);
    }

    public Task<IActionResult> OnPostCannotComeAsync(string token, CancellationToken ct) =>
        SayAsync(token, cannotCome: true, "Thank you: the teacher is told that you cannot come.", ct);

    public Task<IActionResult> OnPostCanComeAsync(string token, CancellationToken ct) =>
        SayAsync(token, cannotCome: false, "Thank you: the teacher is told that you can come after all.", ct);

    private async Task<IActionResult> SayAsync(string token, bool cannotCome, string thanks, CancellationToken ct)
    {
        var outcome = await open.SayCannotComeAsync(token, cannotCome, Message, ct);
        if (outcome is FamilyLinkOutcome.Open)
        {
            return Saved(token, "cannot-come-title", thanks);
        }
        if (outcome is FamilyLinkOutcome.Invalid invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
            {
                Errors.Add(field == "message" ? "message" : "cannot-come", messages[0]);
            }
            return Show(await open.OpenAsync(token, ct));
        }
        return Show(outcome);
    }

    /// <summary>
    /// Back to the page at the section saved (<paramref name="heading"/>, its heading's id), where
    /// the page says <paramref name="thanks"/>: on a phone the top of the page is out of sight.
    /// </summary>
    private LocalRedirectResult Saved(string token, string heading, string thanks)
    {
        TempData[SavedNotice] = thanks;
        TempData[SavedAt] = heading;
        return LocalRedirect($"/family/{Uri.EscapeDataString(token)}#{heading}");
    }

    /// <summary>The words of <see cref="Saved"/>, and the heading of the section they are shown under.</summary>
    public const string SavedNotice = "SavedNotice", SavedAt = "SavedAt";

    private PageResult Show(FamilyLinkOutcome outcome)
    {
        switch (outcome)
        {
            case FamilyLinkOutcome.Open o:
                Session = o.Session;
                Zone = o.Zone;
                ViewData["School"] = o.Session.School;
                return Page();
            case FamilyLinkOutcome.Cancelled c:
                Response.StatusCode = StatusCodes.Status410Gone;
                (ClosedHeading, ClosedText, Office) = ("This session was cancelled", FamilyClosed.CancelledText, c.Office);
                return Page();
            case FamilyLinkOutcome.Expired e:
                Response.StatusCode = StatusCodes.Status410Gone;
                (ClosedHeading, ClosedText, Office) = ("This link has expired", FamilyClosed.ExpiredText, e.Office);
                return Page();
            default:
                Response.StatusCode = StatusCodes.Status404NotFound;
                (ClosedHeading, ClosedText) = ("This link does not work", FamilyClosed.UnknownText);
                return Page();
        }
    }
}
