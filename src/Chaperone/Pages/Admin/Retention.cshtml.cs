using Chaperone.Infrastructure;
using Chaperone.Retention;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Admin;

/// <summary>The admin records the date face-to-face teaching resumed (clause 2) and sets the retention period of each record type.</summary>
public sealed class RetentionModel(RetentionCommands commands) : PageModel
{
    [BindProperty]
    public string? Date { get; set; }

    [BindProperty]
    public int? ConcernsYearsAfterBirth { get; set; }

    [BindProperty]
    public int? InterventionRecordsYears { get; set; }

    public RetentionSettingsDto Settings { get; private set; } = null!;
    public FormErrors Errors { get; } = new();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Settings = await commands.ViewAsync(User.SchoolId(), ct);
        Date = Settings.FaceToFaceResumedOn;
        (ConcernsYearsAfterBirth, InterventionRecordsYears) = (Settings.ConcernsYearsAfterBirth, Settings.InterventionRecordsYears);
    }

    public async Task<IActionResult> OnPostDateAsync(CancellationToken ct)
    {
        var outcome = await commands.SetFaceToFaceDateAsync(User, Date, ct);
        return await AfterAsync(outcome, "The date is saved: recordings made before it are deleted on it (at once if it has passed), except those the DSL holds.", ct);
    }

    public async Task<IActionResult> OnPostPeriodsAsync(CancellationToken ct)
    {
        // A box left empty or not a number binds as null, which the command refuses field by field.
        var outcome = await commands.SetPeriodsAsync(User, ConcernsYearsAfterBirth, InterventionRecordsYears, ct);
        return await AfterAsync(outcome, "The retention periods are saved; the retention job applies them.", ct);
    }

    private async Task<IActionResult> AfterAsync(RetentionOutcome outcome, string notice, CancellationToken ct)
    {
        if (outcome is RetentionOutcome.Invalid invalid)
        {
            Errors.AddAll(invalid.Errors, f => f);
            Settings = await commands.ViewAsync(User.SchoolId(), ct);
            return Page();
        }
        TempData["Notice"] = notice;
        return LocalRedirect("/admin/retention");
    }
}
