using System.Security.Claims;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Records;

/// <summary>
/// Who reads what of the record (clause 11). The session record (consent wording, checklists,
/// exit order, recordings) is safeguarding evidence: the session's teacher, senior leaders and the
/// DSL. The record of intervention is also what the school's MIS keeps, and keeping the MIS is the
/// admin's duty, so admins read and export it too; teachers read the rows of their own sessions.
/// </summary>
public static class RecordAccess
{
    /// <summary>The session record and its recordings: the session's own teacher, senior leaders and the DSL.</summary>
    public static bool MayReadSessionRecord(ClaimsPrincipal user, Guid teacherId) =>
        user.UserId() == teacherId || user.IsInRole(Roles.Slt) || user.IsInRole(Roles.Dsl);

    /// <summary>Why another member of staff of the school may not read a session's record.</summary>
    public const string SessionRecordRefusal = "Only the session's teacher, senior leaders and the DSL read its record.";

    /// <summary>Senior leaders, the DSL and admins see every session's rows; a teacher only their own: the sessions each may see (<see cref="ListSessions.Visible"/>).</summary>
    public static bool SeesWholeSchool(ClaimsPrincipal user) => SchedulingAccess.SeesWholeSchool(user);
}

/// <summary>A range of whole days in the school's zone, both included.</summary>
public sealed record DayRange(LocalDate From, LocalDate To)
{
    /// <summary>The longest range one export covers (two school years).</summary>
    public const int MaxDays = 732;

    /// <summary>The dates a range may name: far wider than any school's records, and clear of the calendar's ends.</summary>
    public static readonly LocalDate Earliest = new(1900, 1, 1);
    public static readonly LocalDate Latest = new(2999, 12, 31);

    /// <summary>
    /// Parses <c>from</c> and <c>to</c> (ISO dates, 2026-12-07). Missing, <c>to</c> is today and
    /// <c>from</c> the 1 September that starts the school year <c>to</c> is in. Errors are per field.
    /// </summary>
    public static DayRange? Parse(string? from, string? to, LocalDate today, Dictionary<string, string[]> errors)
    {
        var toDate = Date(to, "to", errors) ?? (string.IsNullOrWhiteSpace(to) ? today : null);
        var fromDate = Date(from, "from", errors);
        if (string.IsNullOrWhiteSpace(from) && toDate is { } t)
        {
            fromDate = new LocalDate(t.Month >= 9 ? t.Year : t.Year - 1, 9, 1);
        }
        if (fromDate is not { } f || toDate is not { } end)
        {
            return null;
        }
        if (f > end)
        {
            errors["from"] = ["The ‘From’ date must be on or before the ‘To’ date."];
            return null;
        }
        if (Period.DaysBetween(f, end) + 1 > MaxDays)
        {
            errors["to"] = [$"A range covers at most {MaxDays} days; choose a shorter one."];
            return null;
        }
        return new DayRange(f, end);
    }

    /// <summary>‘From’ or ‘To’: the field as the pages label it (the API's field name is the key of the error).</summary>
    private static string Label(string field) => $"‘{char.ToUpperInvariant(field[0])}{field[1..]}’";

    private static LocalDate? Date(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var parsed = LocalDatePattern.Iso.Parse(value.Trim());
        if (!parsed.Success)
        {
            errors[field] = [$"The {Label(field)} date must be a date such as 2026-12-07."];
            return null;
        }
        if (parsed.Value < Earliest || parsed.Value > Latest)
        {
            // The calendar's ends: the day after 9999-12-31, or an instant before year 1, cannot be computed.
            errors[field] = [$"The {Label(field)} date must be from {Pages.Display.Iso(Earliest)} to {Pages.Display.Iso(Latest)}."];
            return null;
        }
        return parsed.Value;
    }
}

/// <summary>The record of intervention of one pupil, or of the whole school, over a range of days: one of the school's terms (<see cref="Term"/> names it) or any other.</summary>
public sealed record InterventionReport(string School, string? Pupil, string? PupilId, DayRange Range, string TimeZone, IReadOnlyList<InterventionRow> Rows, string? Term = null);

/// <summary>
/// Builds the record of intervention (clause 11): one row per session and pupil, for sessions
/// that start within the range (cancelled ones are not interventions and are left out).
/// </summary>
public sealed class RecordOfIntervention(ChaperoneDbContext db, CallProviderResolver providers, TimeProvider clock)
{
    public abstract record Result
    {
        public sealed record Ok(InterventionReport Report) : Result;
        public sealed record Invalid(Dictionary<string, string[]> Errors) : Result;
        public sealed record Missing : Result;
        public sealed record Forbidden(string Detail) : Result;
    }

    /// <summary>The school's zone and today's date there.</summary>
    public async Task<(string School, DateTimeZone Zone, LocalDate Today)> SchoolAsync(Guid schoolId, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).FirstAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(school.TimeZoneId);
        return (school.Name, zone, Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(zone).Date);
    }

    /// <summary>One pupil's rows; <paramref name="pupilId"/> of another school (or none) is missing.</summary>
    public async Task<Result> ForPupilAsync(ClaimsPrincipal user, string pupilId, string? from, string? to, string? term, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(pupilId, out var id) || await db.Pupils.AsNoTracking().Where(p => p.Id == id && p.SchoolId == schoolId).Select(p => p.Name).FirstOrDefaultAsync(ct) is not { } name)
        {
            return new Result.Missing();
        }
        return await BuildAsync(user, from, to, term, id, name, ct);
    }

    /// <summary>Every pupil's rows, for the MIS: senior leaders, the DSL and admins.</summary>
    public async Task<Result> ForSchoolAsync(ClaimsPrincipal user, string? from, string? to, string? term, CancellationToken ct) =>
        RecordAccess.SeesWholeSchool(user)
            ? await BuildAsync(user, from, to, term, null, null, ct)
            : new Result.Forbidden("The school's record of intervention is exported by senior leaders, the DSL and admins.");

    /// <summary>
    /// The concerns raised about the report's sessions that <paramref name="user"/> may open
    /// (<see cref="Concerns.ConcernAccess.Visible"/>: by their role, or as the concern's raiser), by
    /// reference (C-0003), with their ids: the pages link these references, and leave the others as text.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadableConcernsAsync(ClaimsPrincipal user, InterventionReport report, CancellationToken ct)
    {
        var sessionIds = report.Rows.Where(r => r.ConcernsRaised.Length > 0).Select(r => Guid.Parse(r.SessionId)).Distinct().ToList();
        if (sessionIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        var readable = await Concerns.ConcernAccess.Visible(db, user).AsNoTracking()
            .Where(c => c.Status == Concerns.ConcernStatus.Raised && c.SessionId != null && sessionIds.Contains(c.SessionId.Value))
            .Select(c => new { c.Id, c.Number })
            .ToListAsync(ct);
        return readable.ToDictionary(c => Concerns.Concern.ReferenceOf(c.Number), c => Ids.Format(c.Id));
    }

    /// <summary>The school's terms, in date order, to choose a range from.</summary>
    public Task<List<Term>> TermsAsync(ClaimsPrincipal user, CancellationToken ct) => Terms.OfSchoolAsync(db, user.SchoolId(), ct);

    /// <summary>
    /// The rows over <paramref name="from"/> to <paramref name="to"/>, or over the days of the
    /// school's term <paramref name="term"/> (by id; then no dates are given).
    /// </summary>
    private async Task<Result> BuildAsync(ClaimsPrincipal user, string? from, string? to, string? term, Guid? pupilId, string? pupilName, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var (school, zone, today) = await SchoolAsync(schoolId, ct);
        var errors = new Dictionary<string, string[]>();
        string? termName = null;
        if (!string.IsNullOrWhiteSpace(term))
        {
            if (!string.IsNullOrWhiteSpace(from) || !string.IsNullOrWhiteSpace(to))
            {
                errors["term"] = ["Choose a term or dates (‘From’ and ‘To’), not both."];
                return new Result.Invalid(errors);
            }
            if (!Ids.TryParse(term, out var termId)
                || await db.Set<Term>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == termId && t.SchoolId == schoolId, ct) is not { } chosen)
            {
                errors["term"] = ["There is no such term in your school: choose one of its terms."];
                return new Result.Invalid(errors);
            }
            var days = TermDto.Of(chosen);
            (from, to, termName) = (days.FirstDay, days.LastDay, days.Name);
        }
        if (DayRange.Parse(from, to, today, errors) is not { } range)
        {
            return new Result.Invalid(errors);
        }
        var starts = Scheduling.SessionFilter.StartOf(range.From, zone);
        var ends = Scheduling.SessionFilter.EndOf(range.To, zone);
        var query = ListSessions.Visible(db, user).Where(s => s.Status != SessionStatus.Cancelled && s.Start >= starts && s.Start < ends);
        if (pupilId is { } p)
        {
            query = query.Where(s => s.Pupils.Any(sp => sp.PupilId == p));
        }
        var sessions = await SessionRecords.LoadAsync(db, providers, schoolId, query, ct);
        var pupilKey = pupilId is { } pk ? Ids.Format(pk) : null;
        var concerns = await ConcernReferences.OfSessionsAsync(db, schoolId, sessions.Select(l => Guid.Parse(l.Session.Id)).ToList(), ct);
        var rows = sessions
            .SelectMany(l => l.Session.Pupils.Where(pp => pupilKey is null || pp.Id == pupilKey)
                .Select(pp => (l.Session.Start, Row: InterventionRow.From(l, pp, zone, concerns[(Guid.Parse(l.Session.Id), Guid.Parse(pp.Id))].ToList()))))
            .OrderBy(x => x.Start).ThenBy(x => x.Row.Pupil, StringComparer.Ordinal)
            .Select(x => x.Row)
            .ToList();
        return new Result.Ok(new InterventionReport(school, pupilName, pupilKey, range, zone.Id, rows, termName));
    }
}

/// <summary>
/// Clause 11's "concerns raised (reference only)": the references (C-0003) of the concerns raised
/// about a session, per pupil they involve. Only the reference is read, never the kind, summary or
/// content, so every reader of the record may see it whatever their role; drafts are not concerns
/// yet and are left out.
/// </summary>
public static class ConcernReferences
{
    public static async Task<ILookup<(Guid SessionId, Guid PupilId), string>> OfSessionsAsync(ChaperoneDbContext db, Guid schoolId, IReadOnlyList<Guid> sessionIds, CancellationToken ct)
    {
        var links = await (
                from c in db.Set<Concerns.Concern>()
                where c.SchoolId == schoolId && c.Status == Concerns.ConcernStatus.Raised && c.SessionId != null && sessionIds.Contains(c.SessionId.Value)
                from p in c.Pupils
                select new { SessionId = c.SessionId!.Value, p.PupilId, c.Number })
            .AsNoTracking().ToListAsync(ct);
        return links.OrderBy(l => l.Number).ToLookup(l => (l.SessionId, l.PupilId), l => Concerns.Concern.ReferenceOf(l.Number));
    }
}
