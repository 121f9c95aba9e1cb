using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Recordings;
using Chaperone.Retention;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Sessions.Recordings;

/// <summary>
/// A session's recordings, played back for the session's teacher, senior leaders and the DSL (each
/// viewing is logged); the DSL puts one on hold past retention with a reason, or lifts the hold.
/// </summary>
public sealed class IndexModel(ChaperoneDbContext db, RetentionCommands commands) : PageModel
{
    public SessionDto Session { get; private set; } = null!;
    public bool MayWatch { get; private set; }
    public bool MayHold => User.IsInRole(Roles.Dsl);
    public IReadOnlyList<Recording> Items { get; private set; } = [];
    /// <summary>The school's zone, in which the page gives every time.</summary>
    public NodaTime.DateTimeZone Zone { get; private set; } = NodaTime.DateTimeZone.Utc;
    public FormErrors Errors { get; } = new();
    /// <summary>The recording whose hold form failed, to show its errors beside it.</summary>
    public string? FailedRecording { get; private set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct) =>
        await LoadAsync(id, ct) ? Page() : await this.NotOpenAsync(db, id, ct);

    public async Task<IActionResult> OnPostHoldAsync(string id, string? recording, CancellationToken ct)
    {
        if (!MayHold)
        {
            return Forbid();
        }
        return await AfterAsync(id, recording, await commands.HoldAsync(User, recording, Reason, ct), "The recording is on hold: retention will not delete it.", ct);
    }

    public async Task<IActionResult> OnPostLiftAsync(string id, string? recording, CancellationToken ct)
    {
        if (!MayHold)
        {
            return Forbid();
        }
        return await AfterAsync(id, recording, await commands.LiftHoldAsync(User, recording, ct), "The hold is lifted.", ct);
    }

    private async Task<IActionResult> AfterAsync(string id, string? recording, RetentionOutcome outcome, string notice, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        switch (outcome)
        {
            case RetentionOutcome.Done:
                TempData["Notice"] = notice;
                return LocalRedirect($"/sessions/{Session.Id}/recordings");
            case RetentionOutcome.Invalid invalid:
                Errors.AddAll(invalid.Errors, f => f);
                break;
            case RetentionOutcome.WrongState state:
                Errors.Add("reason", state.Detail);
                break;
            default:
                return NotFound();
        }
        FailedRecording = recording;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var sessionId) || await SessionEndpoints.VisibleSessionAsync(db, User, sessionId, ct) is not { } session)
        {
            return false;
        }
        var schoolId = User.SchoolId();
        Session = (await SessionView.LoadAsync(db, schoolId, sessionId, ct))!;
        Zone = Policy.PolicySettings.ZoneOrDefault(Session.TimeZone);
        MayWatch = Chaperone.Records.RecordAccess.MayReadSessionRecord(User, session.TeacherId);
        Items = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId).OrderBy(r => r.StartedAt).ToListAsync(ct);
        return true;
    }
}
