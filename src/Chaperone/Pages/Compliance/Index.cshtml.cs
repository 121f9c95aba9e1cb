using Chaperone.Compliance;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Compliance;

/// <summary>
/// The compliance dashboard: for senior leaders, the DSL and admins every session of the school,
/// for a teacher their own; which broke a clause, which are over with a clause still pending,
/// and each clause's tally over the range.
/// </summary>
public sealed class IndexModel(ComplianceOverview overview) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Show { get; set; }

    public FormErrors Errors { get; } = new();
    public ComplianceOverviewDto? Overview { get; private set; }
    public bool WholeSchool => Chaperone.Records.RecordAccess.SeesWholeSchool(User);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // "page" is the query's, as in the API; read as it stands, since Razor Pages names the page itself "page" among its route values.
        switch (await overview.ForUserAsync(User, From, To, Show, ct, page: Request.Query["page"].FirstOrDefault()))
        {
            case ComplianceOverview.Result.Ok ok:
                Overview = ok.Overview;
                (From, To, Show) = (ok.Overview.From, ok.Overview.To, ok.Overview.Show);
                break;
            case ComplianceOverview.Result.Invalid invalid:
                Errors.AddAll(invalid.Errors, f => f);
                break;
        }
        return Page();
    }

    /// <summary>This dashboard's address at page <paramref name="page"/> of the same sessions.</summary>
    public static string PageLink(ComplianceOverviewDto o, int page) => $"/compliance?from={o.From}&to={o.To}&show={o.Show}&page={page}";

    public static string ShowLabel(string show) => show switch
    {
        "attention" => "Sessions to look at (a breach, or over with a clause still pending)",
        SessionStates.Breached => "Sessions with a breach",
        SessionStates.Unsettled => "Sessions over with a clause still pending",
        _ => "Every session",
    };

    /// <summary>The same, short enough for the list of choices.</summary>
    public static string ShowOption(string show) => show switch
    {
        "attention" => "To look at",
        SessionStates.Breached => "With a breach",
        SessionStates.Unsettled => "Over, still pending",
        _ => "All",
    };

    public static string StateLabel(string state) => state switch
    {
        SessionStates.Breached => "Breach",
        SessionStates.Unsettled => "Over, still pending",
        SessionStates.Settled => "Settled",
        _ => "Upcoming",
    };

    /// <summary>What an unsettled session still needs, in words, from the clauses left pending.</summary>
    public static string Needs(SessionComplianceDto item) => item.Session.Status switch
    {
        "scheduled" => "The call did not take place: mark the outcome (did the pupil attend?) or see why.",
        "live" => "The call was not closed: once its room can no longer be opened (an hour after the session), recording the outcome ends it.",
        _ when item.Pending.Contains(Chaperone.Policy.Clauses.Attendance) => "The outcome and notes are not recorded yet.",
        _ => "Evidence is still to come.",
    } + (!item.Pending.Contains(Chaperone.Policy.Clauses.Attendance) ? ""
        : item.TeacherLeft ? " The teacher has left: a senior leader records the outcome."
        : item.OutcomeOverdue ? " A week has passed: a senior leader may record the outcome if the teacher cannot."
        : "");
}
