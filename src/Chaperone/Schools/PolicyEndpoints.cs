using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Schools;

public sealed record SchoolHoursDto(string Start, string End);

public sealed record ClosureDto(string Id, string FirstDay, string LastDay, string Reason);

/// <summary>
/// The expectations (clause 7): the teacher outlines them in full at a pupil's first session with
/// them, the brief reminder afterwards; <c>forFamilies</c> are listed in the booking emails;
/// <c>schoolsOwn</c> when the school worded any of them.
/// </summary>
public sealed record ExpectationsDto(string Full, string Brief, bool SchoolsOwn, IReadOnlyList<string> ForFamilies);

/// <summary>How families reach the school office, as the emails and the family's page give it; null where the school has not said.</summary>
public sealed record SchoolOfficeDto(string? Email, string? Phone);

public sealed record PolicyDto(
    string School,
    string TimeZone,
    SchoolHoursDto SchoolHours,
    int MinimumNoticeHours,
    int MinimumParticipants,
    IReadOnlyList<string> SchoolDays,
    IReadOnlyList<ClosureDto> Closures,
    IReadOnlyList<Clause> Clauses,
    ExpectationsDto Expectations,
    SchoolOfficeDto Office);

/// <summary>
/// The body of <c>PUT /api/v1/policy/settings</c>: every field optional; those given are changed.
/// An empty expectations text puts the policy's own words back; an empty office email or phone
/// takes it away (the emails then say only "contact the school office").
/// </summary>
public sealed record PolicySettingsRequest(string? TimeZone, SchoolHoursDto? SchoolHours, int? MinimumNoticeHours, int? MinimumParticipants, string[]? SchoolDays,
    string? ExpectationsFull = null, string? ExpectationsBrief = null, string? ExpectationsForFamilies = null, string? OfficeEmail = null, string? OfficePhone = null);

public sealed record ClosureRequest(string? FirstDay, string? LastDay, string? Reason);

/// <summary>A closure just added, with the sessions already booked on its days (they stay booked until cancelled).</summary>
public sealed record ClosureAddedDto(string Id, string FirstDay, string LastDay, string Reason, IReadOnlyList<SessionDto> SessionsBooked);

public static class PolicyEndpoints
{
    public static void MapPolicy(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/policy").WithTags("Policy").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/", Get).WithName("GetPolicy").WithSummary("The policy's clauses and this school's settings.");
        group.MapPut("/settings", UpdateSettings).RequireAuthorization(AuthPolicies.Admin)
            .WithName("UpdatePolicySettings").WithSummary("Change school hours, notice, participants, school days, time zone, the wording of the expectations or the school office's email and phone given to families (admin).")
            .ProducesValidationProblem();
        group.MapPost("/closures", AddClosure).RequireAuthorization(AuthPolicies.Admin)
            .WithName("AddClosure").WithSummary("Add a closure: a holiday, INSET day or bank holiday (admin).");
        group.MapGet("/sessions-outside-school-time", SessionsOutsideSchoolTime).RequireAuthorization(AuthPolicies.Admin)
            .WithName("GetSessionsOutsideSchoolTime").WithSummary("The sessions still to come that the school's hours, days or time zone, as they are now, no longer allow (booked before they changed), each with what is wrong; move or cancel each (admin).");
        group.MapGet("/closures/{id}/sessions", ClosureSessions).RequireAuthorization(AuthPolicies.Admin)
            .WithName("GetClosureSessions").WithSummary("The sessions still to come that are booked on a closure's days (booked before it was added; admin).");
        group.MapPost("/closures/{id}/cancel-sessions", CancelClosureSessions).RequireAuthorization(AuthPolicies.Admin)
            .WithName("CancelClosureSessions").WithSummary("Cancel every session still booked on a closure's days, each family emailed that the school is closed (admin); answers the sessions cancelled.");
        group.MapDelete("/closures/{id}", RemoveClosure).RequireAuthorization(AuthPolicies.Admin)
            .WithName("RemoveClosure").WithSummary("Remove a closure (admin).");
    }

    public static PolicyDto ToDto(School school)
    {
        var s = school.ToPolicySettings();
        return new PolicyDto(
            school.Name,
            s.TimeZone.Id,
            new SchoolHoursDto(LocalTimePattern.CreateWithInvariantCulture("HH:mm").Format(s.DayStart), LocalTimePattern.CreateWithInvariantCulture("HH:mm").Format(s.DayEnd)),
            school.MinimumNoticeHours,
            school.MinimumParticipants,
            Enum.GetValues<IsoDayOfWeek>().Where(s.SchoolDays.Contains).Select(d => d.ToString()).ToList(),
            school.Closures.OrderBy(c => c.FirstDay).Select(ToDto).ToList(),
            Clauses.All,
            new ExpectationsDto(s.ExpectationsFull, s.ExpectationsBrief, school.ExpectationsFull is not null || school.ExpectationsBrief is not null || school.ExpectationsForFamilies is not null,
                PolicySettings.Lines(s.ExpectationsForFamilies)),
            new SchoolOfficeDto(school.OfficeEmail, school.OfficePhone));
    }

    /// <summary>A closure as stored (dates normalised, reason trimmed), the same whether just added or read back.</summary>
    public static ClosureDto ToDto(Closure c) => new(
        Ids.Format(c.Id),
        c.FirstDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        c.LastDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        c.Reason);

    private static async Task<Ok<PolicyDto>> Get(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Include(s => s.Closures).FirstAsync(s => s.Id == user.SchoolId(), ct);
        return TypedResults.Ok(ToDto(school));
    }

    private static async Task<Results<Ok<PolicyDto>, ProblemHttpResult>> UpdateSettings(PolicySettingsRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var school = await db.Schools.Include(s => s.Closures).FirstAsync(s => s.Id == user.SchoolId(), ct);
        var errors = SchoolSettings.Apply(school, request);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        AuditLog.Record(db, user, AuditActions.SettingsChanged, AuditSubjects.School, school.Id, request);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(school));
    }

    private static async Task<Results<Created<ClosureAddedDto>, ProblemHttpResult>> AddClosure(ClosureRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (errors, closure) = await SchoolSettings.CheckClosureAsync(db, user.SchoolId(), request, ct);
        if (closure is null)
        {
            return Problems.Validation(errors);
        }
        db.Closures.Add(closure);
        AuditLog.Record(db, user, AuditActions.ClosureAdded, AuditSubjects.Closure, closure.Id, ToDto(closure));
        await db.SaveChangesAsync(ct);
        var dto = ToDto(closure);
        var booked = (await ClosedDaySessions.BookedAsync(db, closure.SchoolId, [closure], clock.GetUtcNow(), ct))[closure.Id];
        return TypedResults.Created($"/api/v1/policy/closures/{dto.Id}", new ClosureAddedDto(dto.Id, dto.FirstDay, dto.LastDay, dto.Reason, booked));
    }

    private static async Task<IResult> SessionsOutsideSchoolTime(ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok((await ClosedDaySessions.OutsideSchoolTimeAsync(db, user.SchoolId(), clock.GetUtcNow(), ct)).Select(s => new { session = s.Session, why = s.Why }));

    private static async Task<IResult> ClosureSessions(string id, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(id, out var closureId) || await db.Closures.AsNoTracking().FirstOrDefaultAsync(c => c.Id == closureId && c.SchoolId == schoolId, ct) is not { } closure)
        {
            return Problems.NotFound("There is no such closure in your school.");
        }
        return TypedResults.Ok((await ClosedDaySessions.BookedAsync(db, schoolId, [closure], clock.GetUtcNow(), ct))[closure.Id]);
    }

    private static async Task<IResult> CancelClosureSessions(string id, ClaimsPrincipal user, ClosedDaySessions sessions, CancellationToken ct) =>
        Ids.TryParse(id, out var closureId) && await sessions.CancelAsync(user, closureId, ct) is { } cancelled
            ? TypedResults.Ok(new { cancelled })
            : Problems.NotFound("There is no such closure in your school.");

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveClosure(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var closure = Ids.TryParse(id, out var closureId)
            ? await db.Closures.FirstOrDefaultAsync(c => c.Id == closureId && c.SchoolId == schoolId, ct)
            : null;
        if (closure is null)
        {
            return Problems.NotFound("No closure with this id in your school.");
        }
        db.Closures.Remove(closure);
        AuditLog.Record(db, user, AuditActions.ClosureRemoved, AuditSubjects.Closure, closure.Id, ToDto(closure));
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Validates and applies an admin's changes to the school's policy settings.</summary>
public static class SchoolSettings
{
    public static Dictionary<string, string[]> Apply(School school, PolicySettingsRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var hm = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
        if (request.TimeZone is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone.Trim()) is null)
        {
            errors["timeZone"] = ["Choose the school's time zone from the list, e.g. Europe/London."];
        }
        LocalTime? start = null, end = null;
        if (request.SchoolHours is not null)
        {
            var s = hm.Parse(request.SchoolHours.Start ?? "");
            var e = hm.Parse(request.SchoolHours.End ?? "");
            if (!s.Success) { errors["schoolHours.start"] = ["Give the time the school day starts, e.g. 09:00."]; } else { start = s.Value; }
            if (!e.Success) { errors["schoolHours.end"] = ["Give the time the school day ends, e.g. 15:00."]; } else { end = e.Value; }
            if (start is { } a && end is { } b && b <= a)
            {
                errors["schoolHours.end"] = ["The school day must end after it starts."];
            }
        }
        if (request.MinimumNoticeHours is { } notice && notice is < 0 or > 24 * 60)
        {
            errors["minimumNoticeHours"] = ["Notice is between 0 and 1440 hours."];
        }
        if (request.MinimumParticipants is { } participants && participants is < 2 or > 50)
        {
            errors["minimumParticipants"] = ["At least 2 and at most 50 participants."];
        }
        var days = SchoolDays.None;
        if (request.SchoolDays is not null)
        {
            foreach (var name in request.SchoolDays)
            {
                if (Enum.TryParse<IsoDayOfWeek>(name, ignoreCase: true, out var day) && day != IsoDayOfWeek.None && !int.TryParse(name, out _))
                {
                    days |= School.FlagOf(day);
                }
                else
                {
                    errors["schoolDays"] = [string.IsNullOrWhiteSpace(name) ? "A school day is left empty: name days of the week, such as Monday." : $"'{Truncate(name)}' is not a day of the week."];
                }
            }
            if (days == SchoolDays.None && !errors.ContainsKey("schoolDays"))
            {
                errors["schoolDays"] = ["At least one school day is needed."];
            }
        }
        CheckExpectations(request.ExpectationsFull, "expectationsFull", errors);
        CheckExpectations(request.ExpectationsBrief, "expectationsBrief", errors);
        CheckExpectations(request.ExpectationsForFamilies, "expectationsForFamilies", errors);
        if (request.ExpectationsForFamilies is { } forFamilies && !errors.ContainsKey("expectationsForFamilies") && PolicySettings.Lines(forFamilies).Count > 12)
        {
            errors["expectationsForFamilies"] = ["At most 12 expectations, one per line: the email lists each."];
        }
        var officeErrors = SchoolContact.Check(request.OfficeEmail, request.OfficePhone, out var officeEmail, out var officePhone);
        foreach (var (field, messages) in officeErrors)
        {
            errors[field] = messages;
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        if (request.OfficeEmail is not null) { school.OfficeEmail = officeEmail; }
        if (request.OfficePhone is not null) { school.OfficePhone = officePhone; }
        if (request.ExpectationsFull is not null) { school.ExpectationsFull = OwnWordsOrNull(request.ExpectationsFull, PolicySettings.DefaultExpectationsFull); }
        if (request.ExpectationsBrief is not null) { school.ExpectationsBrief = OwnWordsOrNull(request.ExpectationsBrief, PolicySettings.DefaultExpectationsBrief); }
        if (request.ExpectationsForFamilies is not null)
        {
            school.ExpectationsForFamilies = OwnWordsOrNull(string.Join('\n', PolicySettings.Lines(request.ExpectationsForFamilies.Replace("\r", "", StringComparison.Ordinal))), PolicySettings.DefaultExpectationsForFamilies);
        }
        if (request.TimeZone is not null) { school.TimeZoneId = request.TimeZone.Trim(); }
        if (start is { } st) { school.DayStart = st.ToTimeOnly(); }
        if (end is { } en) { school.DayEnd = en.ToTimeOnly(); }
        if (request.MinimumNoticeHours is { } n) { school.MinimumNoticeHours = n; }
        if (request.MinimumParticipants is { } p) { school.MinimumParticipants = p; }
        if (request.SchoolDays is not null) { school.SchoolDays = days; }
        return errors;
    }

    private static void CheckExpectations(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return;
        }
        if (text.Length > PolicySettings.MaxExpectationsLength)
        {
            errors[field] = [$"At most {PolicySettings.MaxExpectationsLength} characters: the teacher reads them aloud."];
        }
        else if (FreeText.HasControlCharacters(text))
        {
            errors[field] = [FreeText.CannotKeep("The wording")];
        }
    }

    /// <summary>The school's own words, or null (the policy's) when left empty or the same as the policy's.</summary>
    private static string? OwnWordsOrNull(string text, string policy) =>
        FreeText.IsBlank(text) || text.Trim() == policy ? null : text.Trim();

    /// <summary>
    /// Checks a new closure of the school's: its own fields, and that none of its days is in a
    /// closure the school already has (a day is closed once; the one held is named, to change or
    /// remove). The closure, for the school, when there is nothing to fix.
    /// </summary>
    public static async Task<(Dictionary<string, string[]> Errors, Closure? Closure)> CheckClosureAsync(ChaperoneDbContext db, Guid schoolId, ClosureRequest request, CancellationToken ct)
    {
        var errors = CheckClosure(request, out var closure);
        if (closure is null)
        {
            return (errors, null);
        }
        var (first, last) = (closure.FirstDay, closure.LastDay);
        var held = await db.Closures.AsNoTracking().Where(c => c.SchoolId == schoolId && c.FirstDay <= last && c.LastDay >= first)
            .OrderBy(c => c.FirstDay).FirstOrDefaultAsync(ct);
        if (held is not null)
        {
            var days = held.FirstDay == held.LastDay ? Pages.Display.Day(held.FirstDay) : $"{Pages.Display.Day(held.FirstDay)} to {Pages.Display.Day(held.LastDay)}";
            errors["firstDay"] = [held.FirstDay == first && held.LastDay == last
                ? $"The school already has this closure: “{held.Reason}”, {days}."
                : $"These days overlap the closure “{held.Reason}”, {days}: a day is closed once. Choose other days, or remove that closure and add it again with these."];
            return (errors, null);
        }
        closure.SchoolId = schoolId;
        return (errors, closure);
    }

    private static Dictionary<string, string[]> CheckClosure(ClosureRequest request, out Closure? closure)
    {
        closure = null;
        var errors = new Dictionary<string, string[]>();
        var first = LocalDatePattern.Iso.Parse(request.FirstDay?.Trim() ?? "");
        var last = LocalDatePattern.Iso.Parse((request.LastDay ?? request.FirstDay)?.Trim() ?? "");
        if (!first.Success) { errors["firstDay"] = ["Give the first day as a date, e.g. 2026-12-21."]; }
        else if (!Scheduling.RequestValidation.IsPlausible(first.Value)) { errors["firstDay"] = [Scheduling.RequestValidation.PlausibleYears]; }
        if (!last.Success) { errors["lastDay"] = ["Give the last day as a date, e.g. 2027-01-01."]; }
        else if (!Scheduling.RequestValidation.IsPlausible(last.Value)) { errors["lastDay"] = [Scheduling.RequestValidation.PlausibleYears]; }
        if (!errors.ContainsKey("firstDay") && !errors.ContainsKey("lastDay"))
        {
            if (last.Value < first.Value) { errors["lastDay"] = ["The last day cannot be before the first."]; }
            else if (Period.Between(first.Value, last.Value, PeriodUnits.Days).Days > 366) { errors["lastDay"] = ["A closure lasts at most a year."]; }
        }
        if (FreeText.IsBlank(request.Reason)) { errors["reason"] = ["Say what the closure is, e.g. Christmas holidays."]; }
        else if (request.Reason.Length > 200) { errors["reason"] = ["At most 200 characters."]; }
        else if (FreeText.HasControlCharacters(request.Reason)) { errors["reason"] = [FreeText.CannotKeep("The reason")]; }
        if (errors.Count == 0)
        {
            closure = new Closure { FirstDay = first.Value.ToDateOnly(), LastDay = last.Value.ToDateOnly(), Reason = request.Reason!.Trim() };
        }
        return errors;
    }

    private static string Truncate(string s) => s.Length > 20 ? s[..20] + "…" : s;
}
