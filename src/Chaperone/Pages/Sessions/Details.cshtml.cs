using Chaperone.Compliance;
using Chaperone.Families;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Sessions;

/// <summary>One session: who and when, its verdict on each clause, and the forms to move or cancel it.</summary>
public sealed class DetailsModel(ChaperoneDbContext db, RescheduleSession reschedule, CancelSession cancel, Calls.RecordOutcome recordOutcome, FamilyLinks links, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string? Outcome { get; set; }

    [BindProperty]
    public string? Notes { get; set; }

    [BindProperty]
    public List<string> Confirmed { get; set; } = [];

    [BindProperty]
    public string? Date { get; set; }

    [BindProperty]
    public string? Time { get; set; }

    [BindProperty]
    public string? DurationMinutes { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public FormErrors RescheduleErrors { get; } = new();
    public FormErrors CancelErrors { get; } = new();
    public FormErrors OutcomeErrors { get; } = new();
    /// <summary>The outcomes the signed-in user may mark now (clause 11): the session's teacher, or a senior leader once the teacher has left or the outcome is a week overdue; empty for anyone else, or when none can be.</summary>
    public IReadOnlyList<string> OutcomeChoices { get; private set; } = [];
    /// <summary>Why a senior leader, not the teacher, marks the outcome on this page (<see cref="Calls.LeaderReason.None"/> when the outcome is not theirs to mark).</summary>
    public Calls.LeaderReason LeaderReason { get; private set; }
    public bool ForLeader => LeaderReason != Calls.LeaderReason.None;
    /// <summary>The outcome marked last, for those who may read the session's record.</summary>
    public Calls.OutcomeDto? CurrentOutcome { get; private set; }
    public SessionDto Session { get; private set; } = null!;
    public IReadOnlyList<ClauseVerdictDto> Compliance { get; private set; } = [];
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public bool MayManage { get; private set; }
    /// <summary>Each guardian's link (while it opens) and checklist answers.</summary>
    public FamilyLinksDto Family { get; private set; } = null!;
    /// <summary>The teacher of the session and senior leaders may hand a family link to a parent who lost the email.</summary>
    public bool MayShareLinks { get; private set; }
    /// <summary>The session's record (clause 11): its teacher, senior leaders and the DSL.</summary>
    public bool MayReadRecord { get; private set; }
    /// <summary>The session's Teams meeting, for a Teams session.</summary>
    public Teams.TeamsMeetingDto? Teams { get; private set; }

    /// <summary>A Teams session's consents given on the families' pages (clause 1), who and when, for the teacher confirming consent with the outcome.</summary>
    public IReadOnlyList<Chaperone.Records.ConsentFact> PageConsents { get; private set; } = [];
    public IReadOnlyList<Notifications.OutboxMessage> Emails { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        (Date, Time) = LocalStart.ToForm(Session.Start, Zone);
        DurationMinutes = Session.DurationMinutes.ToString(Display.EnGb);
        (Outcome, Notes, Confirmed) = CurrentOutcome is { } current
            ? (current.Outcome, current.Notes, Calls.RecordOutcome.ConfirmedOf(Session.Pupils, current.Confirmed).Select(c => c.Key).ToList())
            : (null, null, []);
        return Page();
    }

    public async Task<IActionResult> OnPostOutcomeAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        switch (await recordOutcome.HandleAsync(User, Guid.Parse(Session.Id), new Calls.OutcomeRequest(Outcome, Notes, Confirmed.Count > 0 ? [.. Confirmed] : null), ct))
        {
            case Calls.OutcomeResult.Recorded r:
                TempData["Notice"] = $"The outcome is recorded: {Chaperone.Records.InterventionRow.OutcomeLabel(r.Outcome.Outcome)}.";
                return LocalRedirect($"/sessions/{Session.Id}");
            case Calls.OutcomeResult.Invalid invalid:
                OutcomeErrors.AddAll(invalid.Errors, f => f.StartsWith("confirmed", StringComparison.Ordinal) ? "confirmed" : f);
                return Page();
            case Calls.OutcomeResult.WrongState wrong:
                OutcomeErrors.Add("outcome", wrong.Detail);
                return Page();
            case Calls.OutcomeResult.Forbidden forbidden:
                OutcomeErrors.Add("outcome", forbidden.Detail);
                return Page();
            default:
                return NotFound();
        }
    }

    public async Task<IActionResult> OnPostRescheduleAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        var start = LocalStart.Parse(Date, Time, Zone, RescheduleErrors, "date", "time");
        var minutes = LocalStart.Minutes(DurationMinutes, RescheduleErrors, "duration");
        if (RescheduleErrors.Any)
        {
            return Page();
        }
        var outcome = await reschedule.HandleAsync(User, Guid.Parse(Session.Id), new RescheduleRequest(start, minutes), ct);
        if (outcome is SessionOutcome.Done done)
        {
            TempData["Notice"] = $"The session has moved to {Display.When(done.Session.Start, done.Session.End, Zone)}. The parents and carers invited will be emailed.";
            return LocalRedirect($"/sessions/{done.Session.Id}");
        }
        return Outcomes.Show(outcome, RescheduleErrors, FieldOf, Zone) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostCancelAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        var outcome = await cancel.HandleAsync(User, Guid.Parse(Session.Id), new CancelRequest(Reason), ct);
        if (outcome is SessionOutcome.Done)
        {
            TempData["Notice"] = "The session is cancelled. The parents and carers invited will be told.";
            return LocalRedirect($"/sessions/{Session.Id}");
        }
        return Outcomes.Show(outcome, CancelErrors, _ => "reason", Zone) ? Page() : NotFound();
    }

    public static string FieldOf(string apiField) => apiField switch
    {
        "start" or Outcomes.StartDate => "date",
        Outcomes.StartTime => "time",
        "durationMinutes" => "duration",
        _ => "",
    };

    /// <summary>Loads the session if the user may see it; another school's session, or another teacher's, is simply not found.</summary>
    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var sessionId) || await SessionEndpoints.VisibleSessionAsync(db, User, sessionId, ct) is not { } session)
        {
            return false;
        }
        var schoolId = User.SchoolId();
        Session = (await SessionView.LoadAsync(db, schoolId, sessionId, ct))!;
        Zone = (await BookingFacts.LoadSettingsAsync(db, schoolId, ct)).TimeZone;
        Compliance = (await ComplianceAssessor.LoadAsync(db, schoolId, sessionId, ct))!.Clauses;
        MayManage = SchedulingAccess.MayManageFor(User, session.TeacherId) && session.Status == SessionStatus.Scheduled;
        MayShareLinks = SchedulingAccess.MayManageFor(User, session.TeacherId);
        MayReadRecord = Chaperone.Records.RecordAccess.MayReadSessionRecord(User, session.TeacherId);
        var now = clock.GetUtcNow();
        var leaderReason = session.TeacherId == User.UserId() ? Calls.LeaderReason.None : await Calls.RecordOutcome.LeaderReasonAsync(db, User, session, now, ct);
        OutcomeChoices = session.TeacherId == User.UserId() || leaderReason != Calls.LeaderReason.None ? await Calls.RecordOutcome.AllowedAsync(db, session, now, ct) : [];
        LeaderReason = OutcomeChoices.Count > 0 ? leaderReason : Calls.LeaderReason.None;
        CurrentOutcome = MayReadRecord ? await Calls.SessionOutcomes.LastAsync(db, schoolId, sessionId, ct) : null;
        Family = await FamilyEndpoints.LinksForStaffAsync(db, links, clock, session, ct);
        Teams = session.Provider == CallProviders.Teams ? await Chaperone.Teams.TeamsAdmin.MeetingAsync(db, schoolId, sessionId, ct) : null;
        if (session.Provider == CallProviders.Teams)
        {
            // Read as the session's record reads consent events (one parser: SessionFacts).
            var given = await db.Set<Calls.CallEventRecord>().AsNoTracking()
                .Where(e => e.SchoolId == schoolId && e.SessionId == sessionId && e.Kind == Calls.RoomEvents.ConsentGiven).OrderBy(e => e.At).ToListAsync(ct);
            PageConsents = Chaperone.Records.SessionFacts.From(given, [], _ => "").Consents;
        }
        Emails = await Notifications.OutboxQueries.Visible(db, User).AsNoTracking().Where(m => m.SessionId == sessionId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.NextAttemptAt).ThenBy(m => m.RecipientRole).ThenBy(m => m.RecipientName).ToListAsync(ct);
        return true;
    }
}
