using Chaperone.Records;
using Microsoft.AspNetCore.Mvc;

namespace Chaperone.Pages.Records;

/// <summary>The school's record of intervention for the MIS (clause 11): senior leaders, the DSL and admins.</summary>
public sealed class IndexModel(RecordOfIntervention records) : InterventionPage
{
    public override string ApiPath => "/api/v1/record-of-intervention";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadTermsAsync(records, ct);
        return await ShowAsync(records, await records.ForSchoolAsync(User, ChosenFrom, ChosenTo, Term, ct), ct);
    }
}
