using Chaperone.Records;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Records;

/// <summary>
/// What the record-of-intervention pages share: the range form (from, to: dates in the school's
/// zone), the rows, and the download links to the API's CSV and PDF for the same range.
/// </summary>
public abstract class InterventionPage : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    /// <summary>One of the school's terms (by id): its days are the range, and the dates are not read.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Term { get; set; }

    /// <summary>The school's terms, to choose from.</summary>
    public IReadOnlyList<Schools.Term> Terms { get; private set; } = [];

    /// <summary>The dates asked for, unless a term was chosen (the form sends both).</summary>
    protected string? ChosenFrom => string.IsNullOrWhiteSpace(Term) ? From : null;
    protected string? ChosenTo => string.IsNullOrWhiteSpace(Term) ? To : null;

    protected async Task LoadTermsAsync(RecordOfIntervention records, CancellationToken ct) =>
        Terms = await records.TermsAsync(User, ct);

    public FormErrors Errors { get; } = new();
    public InterventionReport? Report { get; private set; }

    /// <summary>
    /// Whether each row's date opens its session's record: for those who may read every row's record
    /// (senior leaders, the DSL, and a teacher, whose rows are their own sessions); an admin, who sees
    /// every row but reads no session's record, gets no links that would refuse them.
    /// </summary>
    public bool MayOpenRecords =>
        User.IsInRole(People.Roles.Slt) || User.IsInRole(People.Roles.Dsl) || !Chaperone.Records.RecordAccess.SeesWholeSchool(User);

    /// <summary>The API address the downloads come from, without the query.</summary>
    public abstract string ApiPath { get; }

    public string Download(string format) => Report switch
    {
        { Term: not null } => $"{ApiPath}?term={Uri.EscapeDataString(Term ?? "")}&format={format}",
        { } r => $"{ApiPath}?from={Display.Iso(r.Range.From)}&to={Display.Iso(r.Range.To)}&format={format}",
        null => ApiPath,
    };

    /// <summary>
    /// The concerns in the "Concerns raised" column that the reader may open, by reference, with
    /// their ids (clause 12: the DSL and leaders by their role, a teacher the concerns they raised);
    /// the other references are shown as text.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConcernLinks { get; private set; } = new Dictionary<string, string>();

    /// <summary>The references of a row's "Concerns raised" value, in order.</summary>
    public static IReadOnlyList<string> ConcernReferences(InterventionRow row) =>
        row.ConcernsRaised.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Shows the result: the report, or what to fix; null for a page that is not there (404) or not for this user (403).</summary>
    protected async Task<IActionResult> ShowAsync(RecordOfIntervention records, RecordOfIntervention.Result result, CancellationToken ct)
    {
        switch (result)
        {
            case RecordOfIntervention.Result.Ok ok:
                Report = ok.Report;
                ConcernLinks = await records.ReadableConcernsAsync(User, ok.Report, ct);
                From = Display.Iso(ok.Report.Range.From);
                To = Display.Iso(ok.Report.Range.To);
                return Page();
            case RecordOfIntervention.Result.Invalid invalid:
                Errors.AddAll(invalid.Errors, f => f);
                return Page();
            case RecordOfIntervention.Result.Forbidden:
                return Forbid();
            default:
                return NotFound();
        }
    }
}
