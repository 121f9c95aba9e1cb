using Chaperone.Concerns;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Chaperone.Pages.Concerns;

/// <summary>
/// One concern: what was reported, and its chronology; acknowledge it, and append actions,
/// outcomes and amendments. Reading is by role (<see cref="ConcernAccess"/>), audited; a concern
/// the reader may not see is "not found", and the attempt is audited too.
/// </summary>
public sealed class DetailsModel(ChaperoneDbContext db, HandleConcern handle) : PageModel
{
    public ConcernDto Concern { get; private set; } = null!;
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public bool Handles { get; private set; }
    public bool MayAmend { get; private set; }
    /// <summary>False when the caller reads the concern only as its raiser (the handlers' entries left out).</summary>
    public bool ReadsWholeChronology { get; private set; }
    public FormErrors Errors { get; } = new();
    /// <summary>The session the concern arose in, when the reader may see it: its day, time and pupils.</summary>
    public string? SessionLabel { get; private set; }

    [BindProperty] public string? EntryType { get; set; }
    [BindProperty] public string? Text { get; set; }
    /// <summary>The outcome that closes the concern, or why it is reopened (each form keeps its own text when refused).</summary>
    [BindProperty] public string? StateText { get; set; }

    public Task<IActionResult> OnGetAsync(string id, CancellationToken ct) => ShowAsync(id, ct);

    public async Task<IActionResult> OnPostAcknowledgeAsync(string id, CancellationToken ct)
    {
        switch (await handle.AcknowledgeAsync(User, id, ct))
        {
            case ConcernOutcome.Done d:
                TempData["Notice"] = $"You acknowledged {d.Concern.Reference}.";
                return Redirect($"/concerns/{id}");
            case ConcernOutcome.Conflict c:
                TempData["Notice"] = c.Message;
                return Redirect($"/concerns/{id}");
            case ConcernOutcome.Forbidden:
                return Forbid();
            default:
                return NotFound();
        }
    }

    public async Task<IActionResult> OnPostEntryAsync(string id, CancellationToken ct)
    {
        switch (await handle.AddEntryAsync(User, id, EntryType, Text, ct))
        {
            case ConcernOutcome.Done:
                TempData["Notice"] = "Your entry is added to the chronology.";
                return Redirect($"/concerns/{id}");
            case ConcernOutcome.Invalid i:
                Errors.AddAll(i.Errors, k => k == "type" ? "entryType" : k);
                return await ShowAsync(id, ct);
            case ConcernOutcome.Forbidden:
                return Forbid();
            default:
                return NotFound();
        }
    }

    public Task<IActionResult> OnPostCloseAsync(string id, CancellationToken ct) => ChangeStateAsync(id, close: true, ct);

    public Task<IActionResult> OnPostReopenAsync(string id, CancellationToken ct) => ChangeStateAsync(id, close: false, ct);

    private async Task<IActionResult> ChangeStateAsync(string id, bool close, CancellationToken ct)
    {
        var outcome = close ? await handle.CloseAsync(User, id, StateText, ct) : await handle.ReopenAsync(User, id, StateText, ct);
        switch (outcome)
        {
            case ConcernOutcome.Done d:
                TempData["Notice"] = close ? $"You closed {d.Concern.Reference}." : $"You reopened {d.Concern.Reference}.";
                return Redirect($"/concerns/{id}");
            case ConcernOutcome.Conflict c:
                TempData["Notice"] = c.Message;
                return Redirect($"/concerns/{id}");
            case ConcernOutcome.Invalid i:
                Errors.AddAll(i.Errors, _ => "stateText");
                return await ShowAsync(id, ct);
            case ConcernOutcome.Forbidden:
                return Forbid();
            default:
                return NotFound();
        }
    }

    private async Task<IActionResult> ShowAsync(string id, CancellationToken ct)
    {
        if (await handle.ReadAsync(User, id, ct) is not { } concern)
        {
            return NotFound();
        }
        Concern = await ConcernDtos.DetailAsync(db, concern, User, ct);
        Zone = await IndexModel.ZoneAsync(db, User.SchoolId(), ct);
        Handles = ConcernAccess.Handles(User, concern);
        MayAmend = ConcernAccess.MayWrite(User, concern, ConcernEntryTypes.Amendment);
        ReadsWholeChronology = ConcernAccess.ReadsByRole(User, concern.Kind);
        SessionLabel = concern.SessionId is { } session ? await NewModel.SessionLabelAsync(db, User, session, ct) : null;
        return Page();
    }
}
