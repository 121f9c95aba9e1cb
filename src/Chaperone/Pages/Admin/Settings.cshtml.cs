using System.Globalization;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Admin;

/// <summary>
/// The school's policy settings and closures. Validation is <see cref="SchoolSettings"/>'s, the
/// same as the API's, so the page and the API accept and refuse exactly the same things.
/// </summary>
public sealed class SettingsModel(ChaperoneDbContext db, ClosedDaySessions closedDays, TimeProvider clock, Calls.CallNetwork network) : PageModel
{
    public static IReadOnlyList<IsoDayOfWeek> Week { get; } =
    [
        IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday,
        IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday,
    ];

    [BindProperty]
    public string? TimeZone { get; set; }

    [BindProperty]
    public string? DayStart { get; set; }

    [BindProperty]
    public string? DayEnd { get; set; }

    [BindProperty]
    public string? NoticeHours { get; set; }

    [BindProperty]
    public string? MinimumParticipants { get; set; }

    [BindProperty]
    public List<string> SchoolDays { get; set; } = [];

    [BindProperty]
    public string? FirstDay { get; set; }

    [BindProperty]
    public string? LastDay { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public string? TermName { get; set; }

    [BindProperty]
    public string? TermFirstDay { get; set; }

    [BindProperty]
    public string? TermLastDay { get; set; }

    public FormErrors TermErrors { get; } = new();

    /// <summary>The school's terms, in date order: the record of intervention is read per term.</summary>
    public List<Term> Terms { get; private set; } = [];

    [BindProperty]
    public string? AcknowledgeMinutes { get; set; }

    /// <summary>The school's choice of calls only through the relay, as the form sends it.</summary>
    [BindProperty]
    public bool RelayOnly { get; set; }

    /// <summary>The school's call settings as saved, with what the installation has and requires.</summary>
    public Calls.CallSettingsDto Calls { get; private set; } = null!;
    public FormErrors CallErrors { get; } = new();

    [BindProperty]
    public string? HeadteacherId { get; set; }

    [BindProperty]
    public string? BehaviourLeadId { get; set; }

    [BindProperty]
    public string? ExpectationsFull { get; set; }

    [BindProperty]
    public string? ExpectationsBrief { get; set; }

    [BindProperty]
    public string? ExpectationsForFamilies { get; set; }

    public FormErrors ExpectationsErrors { get; } = new();

    [BindProperty]
    public string? OfficeEmail { get; set; }

    [BindProperty]
    public string? OfficePhone { get; set; }

    public FormErrors OfficeErrors { get; } = new();
    public FormErrors ConcernErrors { get; } = new();
    public List<(Guid Id, string Name, string? Email)> Leaders { get; private set; } = [];
    public FormErrors SettingsErrors { get; } = new();
    public FormErrors ClosureErrors { get; } = new();
    public PolicyDto Policy { get; private set; } = null!;

    /// <summary>Per closure (by id), the sessions still to come that were booked on its days before it was added.</summary>
    public Dictionary<string, List<Scheduling.SessionDto>> BookedOnClosures { get; private set; } = [];

    /// <summary>Sessions still to come that the hours, days or zone above no longer allow, with what is wrong.</summary>
    public List<(Scheduling.SessionDto Session, string Why)> OutsideSchoolTime { get; private set; } = [];
    public IEnumerable<string> TimeZones => DateTimeZoneProviders.Tzdb.Ids;

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        KeepSettingsAsSaved();
    }

    public async Task<IActionResult> OnPostSettingsAsync(CancellationToken ct)
    {
        var notice = Whole(NoticeHours, "minimumNoticeHours", "Enter the notice as a whole number of hours, for example 48.");
        var participants = Whole(MinimumParticipants, "minimumParticipants", "Enter the minimum as a whole number, for example 3.");
        var request = new PolicySettingsRequest(TimeZone ?? "", new SchoolHoursDto(Hm(DayStart), Hm(DayEnd)), notice, participants, [.. SchoolDays]);
        var school = await db.Schools.Include(s => s.Closures).FirstAsync(s => s.Id == User.SchoolId(), ct);
        var errors = SchoolSettings.Apply(school, request);
        SettingsErrors.AddAll(errors, FieldOf);
        if (SettingsErrors.Any)
        {
            // Nothing is saved; the school is re-read untouched for the rest of the page.
            db.ChangeTracker.Clear();
            await LoadAsync(ct);
            return Page();
        }
        AuditLog.Record(db, User, AuditActions.SettingsChanged, AuditSubjects.School, school.Id, request);
        await db.SaveChangesAsync(ct);
        var outside = (await ClosedDaySessions.OutsideSchoolTimeAsync(db, school.Id, clock.GetUtcNow(), ct)).Count;
        TempData["Notice"] = outside == 0
            ? "The policy settings are saved."
            : $"The policy settings are saved. {outside} session{(outside == 1 ? " already booked falls" : "s already booked fall")} outside the school's hours or days now: see below.";
        return RedirectToPage();
    }

    /// <summary>Clause 7: the school's wording of the expectations, full and brief (empty puts the policy's back).</summary>
    public Task<IActionResult> OnPostExpectationsAsync(CancellationToken ct)
    {
        var request = new PolicySettingsRequest(null, null, null, null, null, ExpectationsFull ?? "", ExpectationsBrief ?? "", ExpectationsForFamilies ?? "");
        return SaveAsync(request, ExpectationsErrors, new { request.ExpectationsFull, request.ExpectationsBrief, request.ExpectationsForFamilies }, "The expectations are saved.", ct);
    }

    /// <summary>How families reach the school office: its email and phone, each optional (empty takes it away).</summary>
    public Task<IActionResult> OnPostOfficeAsync(CancellationToken ct)
    {
        var request = new PolicySettingsRequest(null, null, null, null, null, OfficeEmail: OfficeEmail ?? "", OfficePhone: OfficePhone ?? "");
        return SaveAsync(request, OfficeErrors, new { request.OfficeEmail, request.OfficePhone }, "The school office's contact details are saved.", ct);
    }

    /// <summary>Applies one form's part of the settings (<see cref="SchoolSettings.Apply"/>): saved and audited, or nothing saved and the form shown again with its errors.</summary>
    private async Task<IActionResult> SaveAsync(PolicySettingsRequest request, FormErrors errors, object audited, string notice, CancellationToken ct)
    {
        var school = await db.Schools.Include(s => s.Closures).FirstAsync(s => s.Id == User.SchoolId(), ct);
        errors.AddAll(SchoolSettings.Apply(school, request), field => field);
        if (errors.Any)
        {
            db.ChangeTracker.Clear();
            await LoadAsync(ct);
            KeepSettingsAsSaved();
            return Page();
        }
        AuditLog.Record(db, User, AuditActions.SettingsChanged, AuditSubjects.School, school.Id, audited);
        await db.SaveChangesAsync(ct);
        TempData["Notice"] = notice;
        return RedirectToPage();
    }

    /// <summary>Calls in the built-in room: whether their sound and video go only through the relay.</summary>
    public async Task<IActionResult> OnPostCallsAsync(CancellationToken ct)
    {
        CallErrors.AddAll(await Chaperone.Calls.CallSettings.SaveAsync(db, network, User, new(RelayOnly), ct), key => key);
        if (CallErrors.Any)
        {
            db.ChangeTracker.Clear();
            await LoadAsync(ct);
            KeepSettingsAsSaved();
            return Page();
        }
        TempData["Notice"] = RelayOnly
            ? "The call settings are saved: calls go only through the relay from the next page opened."
            : "The call settings are saved.";
        return RedirectToPage();
    }

    /// <summary>Clause 12: how long a safeguarding concern waits for acknowledgement, the headteacher it escalates to, the behaviour lead.</summary>
    public async Task<IActionResult> OnPostConcernsAsync(CancellationToken ct)
    {
        if (!int.TryParse(AcknowledgeMinutes?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var minutes))
        {
            ConcernErrors.Add("acknowledgeWithinMinutes", "Enter the time as a whole number of minutes, for example 15.");
        }
        else
        {
            ConcernErrors.AddAll(await Chaperone.Concerns.ConcernSettingsStore.SaveAsync(db, User, new(minutes, HeadteacherId, BehaviourLeadId), ct), key => key);
        }
        if (ConcernErrors.Any)
        {
            db.ChangeTracker.Clear();
            var (ack, head, lead) = (AcknowledgeMinutes, HeadteacherId, BehaviourLeadId);
            await LoadAsync(ct);
            KeepSettingsAsSaved();
            (AcknowledgeMinutes, HeadteacherId, BehaviourLeadId) = (ack, head, lead);
            return Page();
        }
        TempData["Notice"] = "The concern settings are saved.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAddClosureAsync(CancellationToken ct)
    {
        var request = new ClosureRequest(FirstDay, string.IsNullOrWhiteSpace(LastDay) ? null : LastDay, Reason);
        var (errors, closure) = await SchoolSettings.CheckClosureAsync(db, User.SchoolId(), request, ct);
        if (closure is null)
        {
            ClosureErrors.AddAll(errors, key => key);
            await LoadAsync(ct);
            KeepSettingsAsSaved();
            return Page();
        }
        db.Closures.Add(closure);
        AuditLog.Record(db, User, AuditActions.ClosureAdded, AuditSubjects.Closure, closure.Id, PolicyEndpoints.ToDto(closure));
        await db.SaveChangesAsync(ct);
        var booked = (await ClosedDaySessions.BookedAsync(db, closure.SchoolId, [closure], clock.GetUtcNow(), ct))[closure.Id].Count;
        TempData["Notice"] = booked == 0
            ? $"The closure “{closure.Reason}” is added."
            : $"The closure “{closure.Reason}” is added. {booked} session{(booked == 1 ? " is" : "s are")} still booked on its days: see Closures below.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostCancelClosureSessionsAsync(string? closureId, CancellationToken ct)
    {
        if (!Ids.TryParse(closureId, out var id) || await closedDays.CancelAsync(User, id, ct) is not { } cancelled)
        {
            return NotFound();
        }
        TempData["Notice"] = cancelled.Count == 0
            ? "No session was still booked on those days."
            : $"{cancelled.Count} session{(cancelled.Count == 1 ? " is" : "s are")} cancelled; the families invited will be emailed that the school is closed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAddTermAsync(CancellationToken ct)
    {
        var (term, errors) = await Schools.Terms.AddAsync(db, User, new TermRequest(TermName, TermFirstDay, TermLastDay), ct);
        if (term is null)
        {
            TermErrors.AddAll(errors, key => key switch { "name" => "termName", "firstDay" => "termFirstDay", _ => "termLastDay" });
            await LoadAsync(ct);
            KeepSettingsAsSaved();
            return Page();
        }
        TempData["Notice"] = $"The term “{term.Name}” is added.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveTermAsync(string? termId, CancellationToken ct)
    {
        if (await Schools.Terms.RemoveAsync(db, User, termId, ct) is not { } term)
        {
            return NotFound();
        }
        TempData["Notice"] = $"The term “{term.Name}” is removed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveClosureAsync(string? closureId, CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        var closure = Ids.TryParse(closureId, out var id)
            ? await db.Closures.FirstOrDefaultAsync(c => c.Id == id && c.SchoolId == schoolId, ct)
            : null;
        if (closure is null)
        {
            return NotFound();
        }
        db.Closures.Remove(closure);
        AuditLog.Record(db, User, AuditActions.ClosureRemoved, AuditSubjects.Closure, closure.Id, PolicyEndpoints.ToDto(closure));
        await db.SaveChangesAsync(ct);
        TempData["Notice"] = $"The closure “{closure.Reason}” is removed.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Include(s => s.Closures).FirstAsync(s => s.Id == User.SchoolId(), ct);
        Policy = PolicyEndpoints.ToDto(school);
        Terms = await Schools.Terms.OfSchoolAsync(db, school.Id, ct);
        BookedOnClosures = (await ClosedDaySessions.BookedAsync(db, school.Id, school.Closures, clock.GetUtcNow(), ct))
            .ToDictionary(kv => Ids.Format(kv.Key), kv => kv.Value);
        OutsideSchoolTime = await ClosedDaySessions.OutsideSchoolTimeAsync(db, school.Id, clock.GetUtcNow(), ct);
        Leaders = await People.StaffWithRole.ListAsync(db, school.Id, People.Roles.Slt, ct);
        // What the admin typed stays on a refused save; otherwise the saved words.
        ExpectationsFull ??= Policy.Expectations.Full;
        ExpectationsBrief ??= Policy.Expectations.Brief;
        ExpectationsForFamilies ??= string.Join('\n', Policy.Expectations.ForFamilies);
        OfficeEmail ??= Policy.Office.Email;
        OfficePhone ??= Policy.Office.Phone;
        Calls = await Chaperone.Calls.CallSettings.LoadAsync(db, network, school.Id, ct);
        var concerns = Chaperone.Concerns.ConcernSettingsStore.ToDto(await Chaperone.Concerns.ConcernSettingsStore.LoadAsync(db, school.Id, ct));
        AcknowledgeMinutes = concerns.AcknowledgeWithinMinutes.ToString(CultureInfo.InvariantCulture);
        HeadteacherId = concerns.HeadteacherId;
        BehaviourLeadId = concerns.BehaviourLeadId;
    }

    private void KeepSettingsAsSaved()
    {
        TimeZone = Policy.TimeZone;
        DayStart = Policy.SchoolHours.Start;
        DayEnd = Policy.SchoolHours.End;
        NoticeHours = Policy.MinimumNoticeHours.ToString(CultureInfo.InvariantCulture);
        MinimumParticipants = Policy.MinimumParticipants.ToString(CultureInfo.InvariantCulture);
        SchoolDays = [.. Policy.SchoolDays];
    }

    private int? Whole(string? text, string field, string message)
    {
        if (int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        SettingsErrors.Add(FieldOf(field), message);
        return null;
    }

    // Browsers send HH:mm, or HH:mm:ss when seconds are shown; the settings take HH:mm.
    private static string Hm(string? time) => time?.Trim() is { Length: 8 } t && t[5] == ':' ? t[..5] : time?.Trim() ?? "";

    /// <summary>Where the form shows an API field's errors; the keys are also the ids the error summary links to.</summary>
    public static string FieldOf(string apiField) => apiField switch
    {
        "timeZone" => "timeZone",
        "schoolHours.start" => "dayStart",
        "schoolHours.end" => "dayEnd",
        "minimumNoticeHours" => "noticeHours",
        "minimumParticipants" => "minimumParticipants",
        "schoolDays" => "schoolDays",
        _ => "",
    };
}
