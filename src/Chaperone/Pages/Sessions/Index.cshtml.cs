using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Pages.Sessions;

/// <summary>
/// The signed-in teacher's sessions (the whole school's for leaders, the DSL and admins):
/// upcoming first, soonest first; then those cancelled before their time came, the latest
/// cancelled first; then past ones, most recent first (cancelled ones among them, marked so).
/// </summary>
public sealed class IndexModel(ChaperoneDbContext db, TimeProvider clock, global::Chaperone.Compliance.ComplianceOverview compliance) : PageModel
{
    public const int Limit = 200;

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    public FormErrors Errors { get; } = new();
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public bool WholeSchool { get; private set; }
    public bool NeedsFamiliarisation { get; private set; }
    public List<SessionDto> Upcoming { get; } = [];

    /// <summary>Sessions whose time is still to come but which were cancelled: not calls to come, so not under <see cref="Upcoming"/>.</summary>
    public List<SessionDto> Cancelled { get; } = [];
    public List<SessionDto> Past { get; } = [];
    public bool Truncated { get; private set; }

    /// <summary>The upcoming sessions (ids) for which a parent or carer has said they cannot come.</summary>
    public IReadOnlySet<string> CannotCome { get; private set; } = new HashSet<string>();

    /// <summary>The days back the compliance notice looks over.</summary>
    public const int ComplianceDays = 30;

    /// <summary>
    /// Over the last <see cref="ComplianceDays"/> days, the caller's sessions (the school's for
    /// leaders) that broke a clause, and those over with a clause still pending: what the
    /// compliance page lists, put where leaders and teachers land (DESIGN: any breach is visible to leaders).
    /// Only the counts are read: the page lists none of them.
    /// </summary>
    public global::Chaperone.Compliance.ComplianceOverviewDto? ToLookAt { get; private set; }

    /// <summary>The most sessions awaiting an outcome the page lists; the count says how many there are.</summary>
    public const int AwaitedShown = 20;

    /// <summary>
    /// Clause 11: for a teacher, their sessions that are over and whose outcome they have not yet
    /// recorded; for a senior leader, the school's, with those a week overdue (which they may
    /// record) marked. Those waiting longest first.
    /// </summary>
    public List<(SessionDto Session, bool Overdue)> OutcomesAwaited { get; } = [];

    public int OutcomesAwaitedCount { get; private set; }

    public static IReadOnlyList<string> Statuses { get; } = ["scheduled", "live", "ended", "cancelled"];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        Zone = (await BookingFacts.LoadSettingsAsync(db, schoolId, ct)).TimeZone;
        WholeSchool = SchedulingAccess.SeesWholeSchool(User);
        var today = Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(Zone).Date;
        if (await compliance.ForUserAsync(User, Display.Iso(today.PlusDays(-ComplianceDays)), Display.Iso(today), "attention", ct, listAtMost: 0) is global::Chaperone.Compliance.ComplianceOverview.Result.Ok { Overview: var overview }
            && overview.Breached + overview.Unsettled > 0)
        {
            ToLookAt = overview;
        }
        var now = clock.GetUtcNow();
        if (User.IsInRole(Roles.Teacher) || User.IsInRole(Roles.Slt))
        {
            var awaited = Calls.AwaitingOutcome.Of(ListSessions.Visible(db, User).AsNoTracking(), db, now);
            OutcomesAwaitedCount = await awaited.CountAsync(ct);
            if (OutcomesAwaitedCount > 0)
            {
                var shown = await SessionView.LoadManyAsync(db, schoolId, awaited.OrderBy(s => s.End).ThenBy(s => s.Id).Take(AwaitedShown), ct);
                OutcomesAwaited.AddRange(shown.OrderBy(s => s.End).Select(s => (s, Calls.LeaderMarking.Overdue(s.End, now))));
            }
        }
        var me = User.UserId();
        NeedsFamiliarisation = User.IsInRole(Roles.Teacher)
            && await db.Users.AnyAsync(u => u.Id == me && u.SchoolId == schoolId && u.FamiliarisationConfirmedOn == null, ct);

        var from = ParseDate(From, "from");
        var to = ParseDate(To, "to");
        if (from is { } f && to is { } t && t < f)
        {
            Errors.Add("to", "The 'to' date must be on or after the 'from' date.");
        }
        SessionStatus? status = null;
        if (!string.IsNullOrEmpty(Status))
        {
            if (Statuses.Contains(Status) && Enum.TryParse<SessionStatus>(Status, ignoreCase: true, out var s)) { status = s; }
            else { Errors.Add("status", "Choose a status from the list."); }
        }
        if (Errors.Any)
        {
            return;
        }

        var query = ListSessions.Visible(db, User).AsNoTracking().Matching(new SessionFilter(
            EndsAfter: from is { } fromDay ? SessionFilter.StartOf(fromDay, Zone) : null,
            StartsBefore: to is { } toDay ? SessionFilter.EndOf(toDay, Zone) : null,
            Status: status));
        // Over once its booked end has passed or its call has ended (closed early, or marked not
        // attended), as the compliance dashboard judges it (SessionStates.Of).
        // A cancelled session is not a call to come: it is listed apart until its time has passed, then under "Past".
        var toCome = query.Where(s => s.End > now && s.Status != SessionStatus.Ended);
        var upcoming = await SessionView.LoadManyAsync(db, schoolId, toCome.Where(s => s.Status != SessionStatus.Cancelled).OrderBy(s => s.Start).ThenBy(s => s.Id).Take(Limit + 1), ct);
        var cancelled = await SessionView.LoadManyAsync(db, schoolId, toCome.Where(s => s.Status == SessionStatus.Cancelled).OrderByDescending(s => s.CancelledAt).ThenBy(s => s.Id).Take(Limit + 1), ct);
        var past = await SessionView.LoadManyAsync(db, schoolId, query.Where(s => s.End <= now || s.Status == SessionStatus.Ended).OrderByDescending(s => s.Start).ThenBy(s => s.Id).Take(Limit + 1), ct);
        Truncated = upcoming.Count > Limit || cancelled.Count > Limit || past.Count > Limit;
        Upcoming.AddRange(upcoming.OrderBy(s => s.Start).Take(Limit));
        Cancelled.AddRange(cancelled.OrderByDescending(s => s.Cancellation?.At).ThenBy(s => s.Start).Take(Limit));
        Past.AddRange(past.OrderByDescending(s => s.Start).Take(Limit));
        CannotCome = await Families.FamilyAbsence.SessionsAsync(db, schoolId, [.. Upcoming.Where(s => s.Status == "scheduled").Select(s => Guid.Parse(s.Id))], ct);
    }

    /// <summary>Clause 2: the teacher confirms they know the platform's privacy and mute settings.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        var me = User.UserId();
        var staff = await db.Users.FirstOrDefaultAsync(u => u.Id == me && u.SchoolId == schoolId, ct);
        if (staff is null)
        {
            return NotFound();
        }
        await PeopleEndpoints.ConfirmAsync(db, User, staff, clock, ct);
        TempData["Notice"] = "Thank you: you have confirmed that you know the platform's privacy and mute settings. You can now host sessions.";
        return RedirectToPage();
    }

    private LocalDate? ParseDate(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var result = LocalDatePattern.Iso.Parse(value.Trim());
        if (result.Success)
        {
            return result.Value;
        }
        Errors.Add(field, "Enter a real date, for example 2 December 2026.");
        return null;
    }
}
