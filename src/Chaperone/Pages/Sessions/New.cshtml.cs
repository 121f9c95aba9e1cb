using Chaperone.Compliance;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Pages.Sessions;

/// <summary>
/// Schedule a session: the form, a clause-by-clause check against the policy, compliant times,
/// and booking. The date and time are typed in the school's zone and sent to the handlers as
/// an RFC 3339 instant, exactly as an API client would send them.
/// </summary>
[Authorize(Policy = AuthPolicies.Scheduler)]
public sealed class NewModel(ChaperoneDbContext db, TimeProvider clock, BookSession book, CheckBooking check, FindSlots findSlots) : PageModel
{
    public const int SlotDays = 14;
    public const int SlotStepMinutes = 30;

    [BindProperty]
    public string? TeacherId { get; set; }

    [BindProperty]
    public string? Kind { get; set; } = "support";

    [BindProperty]
    public List<string> PupilIds { get; set; } = [];

    [BindProperty]
    public List<string> GuardianIds { get; set; } = [];

    [BindProperty]
    public string? Date { get; set; }

    [BindProperty]
    public string? Time { get; set; }

    [BindProperty]
    public string? DurationMinutes { get; set; } = "30";

    public FormErrors Errors { get; } = new();
    public PolicySettings Settings { get; private set; } = PolicySettings.Default;
    public DateTimeZone Zone => Settings.TimeZone;
    public bool ChoosesTeacher { get; private set; }
    public string TeacherName { get; private set; } = "";
    public List<StaffDto> Teachers { get; private set; } = [];
    public List<PupilDto> Pupils { get; private set; } = [];
    public BookingCheckDto? Check { get; private set; }
    public SlotList? Slots { get; private set; }

    /// <summary>The session this one is to be like (<c>?like=</c>), when the form was opened from its page: shown above the form.</summary>
    public SessionDto? Like { get; private set; }

    /// <summary>How many weeks after <see cref="Like"/> the form's time is.</summary>
    public int LikeWeeksLater { get; private set; }

    /// <summary>
    /// The form, empty; or, opened with <c>?like={session}</c> from a session's page, filled in as
    /// that session (teacher, pupils, parents and carers, kind and length) at the same time of day a
    /// week later (or the first week after that which gives the notice), and checked at once, so a
    /// weekly session is booked again in one step. Nothing is booked until the teacher books it.
    /// </summary>
    public async Task OnGetAsync(string? like, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Ids.TryParse(like, out var likeId) && await SessionEndpoints.VisibleSessionAsync(db, User, likeId, ct) is { } source
            && SchedulingAccess.MayManageFor(User, source.TeacherId)
            && await SessionView.LoadAsync(db, User.SchoolId(), likeId, ct) is { } session)
        {
            Like = session;
            if (ChoosesTeacher)
            {
                TeacherId = session.Teacher.Id;
            }
            Kind = session.Kind;
            PupilIds = [.. session.Pupils.Select(p => p.Id)];
            GuardianIds = [.. session.Guardians.Select(g => g.Id)];
            DurationMinutes = session.DurationMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (LikeWeeksLater, var start) = WeeksAfter(session.Start, Zone, clock.GetUtcNow() + Settings.MinimumNotice.ToTimeSpan());
            (Date, Time) = LocalStart.ToForm(start, Zone);
            TeacherName = Teachers.FirstOrDefault(t => t.Id == TeacherId)?.Name ?? TeacherName;
            await CheckAsync(BuildRequest(), ct);
        }
        await LoadSlotsAsync(ct);
    }

    /// <summary>
    /// The same local time of day a week after <paramref name="start"/>, or the first week after that
    /// starting no sooner than <paramref name="earliest"/> (clock changes keep the local time).
    /// </summary>
    public static (int Weeks, DateTimeOffset Start) WeeksAfter(DateTimeOffset start, DateTimeZone zone, DateTimeOffset earliest)
    {
        var local = Instant.FromDateTimeOffset(start).InZone(zone).LocalDateTime;
        DateTimeOffset At(int w) => local.PlusWeeks(w).InZoneLeniently(zone).ToDateTimeOffset();
        var weeks = Math.Max(1, (int)((earliest - At(0)).TotalDays / 7));
        while (At(weeks) < earliest)
        {
            weeks++;
        }
        return (weeks, At(weeks));
    }

    /// <summary>"Check against the policy": what booking would say, clause by clause, booking nothing.</summary>
    public async Task<IActionResult> OnPostCheckAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        await CheckAsync(BuildRequest(), ct);
        await LoadSlotsAsync(ct);
        return Page();
    }

    /// <summary>A compliant time was chosen (without script): fill it in and check.</summary>
    public async Task<IActionResult> OnPostSlotAsync(string? slot, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (slot is { Length: 16 } && slot[10] == 'T')
        {
            Date = slot[..10];
            Time = slot[11..];
        }
        await CheckAsync(BuildRequest(), ct);
        await LoadSlotsAsync(ct);
        return Page();
    }

    /// <summary>
    /// The "Compliant times" panel alone, for the form as it stands (its fields in the query string,
    /// named as the form names them): schedule.js fetches it as the teacher, pupils, parents and
    /// carers, kind, date or length change, so the panel agrees with the live check.
    /// </summary>
    public async Task<IActionResult> OnGetSlotsAsync(CancellationToken ct)
    {
        TeacherId = Request.Query[nameof(TeacherId)];
        Kind = Request.Query[nameof(Kind)];
        PupilIds = [.. Request.Query[nameof(PupilIds)].OfType<string>()];
        GuardianIds = [.. Request.Query[nameof(GuardianIds)].OfType<string>()];
        Date = Request.Query[nameof(Date)];
        Time = Request.Query[nameof(Time)];
        DurationMinutes = Request.Query[nameof(DurationMinutes)];
        await LoadAsync(ct);
        await LoadSlotsAsync(ct);
        return Partial("_Slots", this);
    }

    public async Task<IActionResult> OnPostBookAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        var request = BuildRequest();
        if (request is not null)
        {
            var outcome = await book.HandleAsync(User, request, ct);
            if (outcome is SessionOutcome.Done done)
            {
                TempData["Notice"] = $"The session is booked for {Display.When(done.Session.Start, done.Session.End, Zone)}. " +
                    "The parents and carers invited will be emailed.";
                return LocalRedirect($"/sessions/{done.Session.Id}");
            }
            Outcomes.Show(outcome, Errors, FieldOf, Zone);
            if (outcome is SessionOutcome.Refused or SessionOutcome.Clash)
            {
                // Show every clause, not only the broken ones.
                var (result, _) = await check.HandleAsync(User, request, ct);
                Check = result;
            }
        }
        await LoadSlotsAsync(ct);
        return Page();
    }

    private async Task CheckAsync(BookSessionRequest? request, CancellationToken ct)
    {
        if (request is null)
        {
            return;
        }
        var (result, problem) = await check.HandleAsync(User, request, ct);
        if (problem is not null)
        {
            Outcomes.Show(problem, Errors, FieldOf, Zone);
        }
        Check = result;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        Settings = await BookingFacts.LoadSettingsAsync(db, schoolId, ct);
        ChoosesTeacher = User.IsInRole(Roles.Slt) || User.IsInRole(Roles.Admin);
        var staff = await PeopleEndpoints.LoadStaffAsync(db, schoolId, ct);
        Teachers = staff.Where(s => s.Roles.Contains(Roles.Teacher) && s.AccessEndedAt is null).ToList();
        if (!ChoosesTeacher)
        {
            // A teacher books only their own sessions, whatever the form says.
            TeacherId = Ids.Format(User.UserId());
        }
        else if (string.IsNullOrEmpty(TeacherId) && User.IsInRole(Roles.Teacher))
        {
            TeacherId = Ids.Format(User.UserId());
        }
        TeacherName = staff.FirstOrDefault(s => s.Id == TeacherId)?.Name ?? User.DisplayName();
        Pupils = await PeopleEndpoints.LoadPupilsAsync(db, schoolId, ct);
        PupilIds = PupilIds.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct().ToList();
        GuardianIds = GuardianIds.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct().ToList();
    }

    /// <summary>The request as the API takes it, or null (with field errors) when the date, time or length cannot be read.</summary>
    private BookSessionRequest? BuildRequest()
    {
        var start = LocalStart.Parse(Date, Time, Zone, Errors, "date", "time");
        var minutes = LocalStart.Minutes(DurationMinutes, Errors, "duration");
        if (ChoosesTeacher && string.IsNullOrEmpty(TeacherId))
        {
            Errors.Add("teacher", "Choose the teacher who will host the session.");
        }
        if (Errors.Any)
        {
            return null;
        }
        return new BookSessionRequest(TeacherId, [.. PupilIds], [.. GuardianIds], Kind, start, minutes, null);
    }

    /// <summary>Where the form shows an API field's errors (the keys are also the ids the error summary links to).</summary>
    public static string FieldOf(string apiField) => apiField switch
    {
        "teacherId" => "teacher",
        "kind" => "kind",
        "start" or Outcomes.StartDate => "date",
        Outcomes.StartTime => "time",
        "durationMinutes" => "duration",
        _ when apiField.StartsWith("pupilIds", StringComparison.Ordinal) => "pupils",
        _ when apiField.StartsWith("guardianIds", StringComparison.Ordinal) => "guardians",
        _ => "",
    };

    /// <summary>Compliant start times over the next fortnight, from the chosen date (or today, for a date past or beyond belief) in the school's zone.</summary>
    private async Task LoadSlotsAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(TeacherId))
        {
            return;
        }
        var today = Display.Today(clock, Zone);
        var from = LocalDatePattern.Iso.Parse(Date?.Trim() ?? "") is { Success: true } chosen && chosen.Value > today
            && RequestValidation.IsPlausible(chosen.Value) ? chosen.Value : today;
        var to = from.PlusDays(SlotDays - 1);
        var duration = int.TryParse(DurationMinutes, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var d)
            && d is >= PolicySettings.MinimumDurationMinutes and <= PolicySettings.MaximumDurationMinutes ? d : 30;
        var query = new FindSlotsQuery(TeacherId, [.. PupilIds], [.. GuardianIds], Display.Iso(from), Display.Iso(to), duration, SlotStepMinutes);
        var (slots, problem) = await findSlots.HandleAsync(User, query, ct);
        if (slots is null || problem is not null)
        {
            return;
        }
        var days = slots.Slots
            .Select(s => (Local: LocalStart.ToForm(s.Start, Zone), s))
            .GroupBy(x => x.Local.Date)
            .Select(g => new SlotDay(LocalDatePattern.Iso.Parse(g.Key).Value, g.Select(x => new Slot(x.Local.Date, x.Local.Time)).ToList()))
            .ToList();
        Slots = new SlotList(from, to, duration, days, slots.Violations);
    }

    public sealed record Slot(string Date, string Time)
    {
        public string Value => $"{Date}T{Time}";
    }

    public sealed record SlotDay(LocalDate Day, IReadOnlyList<Slot> Times);

    public sealed record SlotList(LocalDate From, LocalDate To, int DurationMinutes, IReadOnlyList<SlotDay> Days, IReadOnlyList<ViolationDto> Violations);
}
