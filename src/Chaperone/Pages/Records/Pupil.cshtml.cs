using Chaperone.Records;
using Microsoft.AspNetCore.Mvc;

namespace Chaperone.Pages.Records;

/// <summary>A pupil's record of intervention over a range of days (clause 11), with its CSV and PDF.</summary>
public sealed class PupilModel(RecordOfIntervention records) : InterventionPage
{
    public string PupilId { get; private set; } = "";

    public override string ApiPath => $"/api/v1/pupils/{PupilId}/record-of-intervention";

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        PupilId = id;
        await LoadTermsAsync(records, ct);
        return await ShowAsync(records, await records.ForPupilAsync(User, id, ChosenFrom, ChosenTo, Term, ct), ct);
    }
}
