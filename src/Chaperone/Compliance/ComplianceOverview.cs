using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Records;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Compliance;

/// <summary>Across the sessions of a range, how many met, left pending, breached, or had no call for one clause.</summary>
public sealed record ClauseTallyDto(int Clause, string Title, int Met, int Pending, int Breached, int NotApplicable);

/// <summary>
/// A session with where it stands (<see cref="SessionStates"/>), the clauses it breached or leaves
/// pending, and the verdict on each clause 1–12 in order (<see cref="VerdictStatus"/>).
/// </summary>
/// <param name="TeacherLeft">The session's teacher has left (an admin ended their access): a senior leader marks its outcome.</param>
/// <param name="OutcomeOverdue">The session ended a week ago or more and its outcome (clause 11) is still not recorded: a senior leader may mark it (<see cref="Calls.LeaderMarking"/>).</param>
public sealed record SessionComplianceDto(SessionDto Session, string State, IReadOnlyList<int> Breached, IReadOnlyList<int> Pending, IReadOnlyList<string> Clauses, bool TeacherLeft = false,
    bool OutcomeOverdue = false);

/// <summary>
/// The compliance of every session in a range that the caller may see: totals, each clause's
/// tally, and the sessions asked for (<see cref="Matching"/> of them), a page at a time, newest first.
/// </summary>
/// <param name="Page">The page listed (from 1), of <see cref="Pages"/> of at most <see cref="PageSize"/> sessions.</param>
public sealed record ComplianceOverviewDto(
    string From,
    string To,
    string TimeZone,
    string Show,
    int Sessions,
    int Breached,
    int Unsettled,
    int Settled,
    int Upcoming,
    IReadOnlyList<ClauseTallyDto> Clauses,
    IReadOnlyList<SessionComplianceDto> Items,
    int Matching,
    int Page = 1,
    int PageSize = ComplianceOverview.MaxListed,
    int Pages = 0);

/// <summary>Where a session stands against the policy as a whole.</summary>
public static class SessionStates
{
    /// <summary>A clause is breached: leaders should look at it (DESIGN: "any breach is visible to leaders").</summary>
    public const string Breached = "breached";
    /// <summary>The session's time is over and a clause is still pending: the call was not held or not closed, or its outcome is not marked.</summary>
    public const string Unsettled = "unsettled";
    /// <summary>Over, and every clause met or not applicable.</summary>
    public const string Settled = "settled";
    /// <summary>Not over yet: its booked end is to come and it has not ended (a call closed early, or a pupil who did not attend, ends it).</summary>
    public const string Upcoming = "upcoming";

    public static string Of(IReadOnlyList<ClauseVerdictDto> clauses, SessionStatus status, DateTimeOffset end, DateTimeOffset now) =>
        clauses.Any(c => c.Status == VerdictStatus.Breached) ? Breached
        : end > now && status != SessionStatus.Ended ? Upcoming
        : clauses.Any(c => c.Status == VerdictStatus.Pending) ? Unsettled
        : Settled;
}

/// <summary>
/// The compliance dashboard's figures (DESIGN: senior leaders see the compliance of every
/// session, and any breach is visible to them): every session in a range of days that the
/// caller may see (the whole school for senior leaders, the DSL and admins; a teacher's own
/// otherwise), judged clause by clause as each session's own compliance is
/// (<see cref="ComplianceAssessor"/>). Cancelled sessions are left out: they were never held.
/// </summary>
public sealed class ComplianceOverview(ChaperoneDbContext db, TimeProvider clock)
{
    /// <summary>The most sessions listed at once, a page (the totals always count them all).</summary>
    public const int MaxListed = 500;

    /// <summary>Which sessions to list: those that need looking at (breached or unsettled, the default), or one kind, or all.</summary>
    public static readonly string[] Shows = ["attention", SessionStates.Breached, SessionStates.Unsettled, "all"];

    public abstract record Result
    {
        public sealed record Ok(ComplianceOverviewDto Overview) : Result;
        public sealed record Invalid(Dictionary<string, string[]> Errors) : Result;
    }

    /// <param name="listAtMost">How many of the sessions asked for to list in full (<see cref="MaxListed"/>); 0 for the totals and tallies alone.</param>
    /// <param name="page">Which page of the sessions asked for (from 1; the first by default).</param>
    /// <param name="pageSize">How many sessions a page lists (1 to <paramref name="listAtMost"/>; that many by default).</param>
    public async Task<Result> ForUserAsync(ClaimsPrincipal user, string? from, string? to, string? show, CancellationToken ct, int listAtMost = MaxListed,
        string? page = null, string? pageSize = null)
    {
        var schoolId = user.SchoolId();
        var now = clock.GetUtcNow();
        var zone = PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var errors = new Dictionary<string, string[]>();
        var range = DayRange.Parse(from, to, Instant.FromDateTimeOffset(now).InZone(zone).Date, errors);
        var showing = string.IsNullOrWhiteSpace(show) ? Shows[0] : show.Trim().ToLowerInvariant();
        if (!Shows.Contains(showing))
        {
            errors["show"] = [$"'show' is one of: {string.Join(", ", Shows)}."];
        }
        var size = Math.Clamp(listAtMost, 0, MaxListed);
        var pageNumber = Whole(page, "page", 1, int.MaxValue / Math.Max(size, 1), 1, errors);
        size = Whole(pageSize, "pageSize", 1, Math.Max(size, 1), size, errors);
        if (range is null || errors.Count > 0)
        {
            return new Result.Invalid(errors);
        }

        var starts = SessionFilter.StartOf(range.From, zone);
        var ends = SessionFilter.EndOf(range.To, zone);
        var query = ListSessions.Visible(db, user).AsNoTracking().Where(s => s.Status != SessionStatus.Cancelled && s.Start >= starts && s.Start < ends);
        var sessions = await query.Select(s => new { s.Id, s.Status, s.Sequence, s.Start, s.End }).ToListAsync(ct);
        var evidence = (await db.Evidence.AsNoTracking().Where(e => e.SchoolId == schoolId && query.Select(s => s.Id).Contains(e.SessionId)).ToListAsync(ct))
            .ToLookup(e => e.SessionId);
        var judged = sessions
            .Select(s =>
            {
                var clauses = ComplianceAssessor.Assess(s.Status, s.Sequence, evidence[s.Id].ToList());
                return (s.Id, s.Start, Clauses: clauses, State: SessionStates.Of(clauses, s.Status, s.End, now));
            })
            .ToList();

        var tallies = Policy.Clauses.All.Select(clause =>
        {
            var statuses = judged.Select(j => j.Clauses.First(c => c.Clause == clause.Number).Status).ToList();
            return new ClauseTallyDto(clause.Number, clause.Title,
                statuses.Count(x => x == VerdictStatus.Met), statuses.Count(x => x == VerdictStatus.Pending),
                statuses.Count(x => x == VerdictStatus.Breached), statuses.Count(x => x == VerdictStatus.NotApplicable));
        }).ToList();

        // Newest first: the sessions just held are the ones still to put right.
        var wanted = judged.Where(j => showing switch
        {
            "all" => true,
            "attention" => j.State is SessionStates.Breached or SessionStates.Unsettled,
            _ => j.State == showing,
        }).OrderByDescending(j => j.Start).ThenBy(j => j.Id).ToList();
        var listed = wanted.Skip((pageNumber - 1) * size).Take(size).ToList();
        var listedIds = listed.Select(j => j.Id).ToList();
        var dtos = listedIds.Count == 0
            ? []
            : (await SessionView.LoadManyAsync(db, schoolId, db.Sessions.AsNoTracking().Where(s => s.SchoolId == schoolId && listedIds.Contains(s.Id)), ct))
                .ToDictionary(d => d.Id);
        // Whose teacher has left, so that a leader knows the outcome is theirs to record.
        var teachers = dtos.Values.Select(d => Guid.Parse(d.Teacher.Id)).Distinct().ToList();
        var leavers = teachers.Count == 0
            ? []
            : (await db.Users.AsNoTracking().Where(u => u.SchoolId == schoolId && teachers.Contains(u.Id) && u.AccessEndedAt != null).Select(u => u.Id).ToListAsync(ct))
                .Select(Ids.Format).ToHashSet();
        var items = listed
            .Select(j =>
            {
                var dto = dtos[Ids.Format(j.Id)];
                return new SessionComplianceDto(dto, j.State,
                    j.Clauses.Where(c => c.Status == VerdictStatus.Breached).Select(c => c.Clause).ToList(),
                    j.Clauses.Where(c => c.Status == VerdictStatus.Pending).Select(c => c.Clause).ToList(),
                    j.Clauses.OrderBy(c => c.Clause).Select(c => c.Status).ToList(),
                    leavers.Contains(dto.Teacher.Id),
                    j.Clauses.Any(c => c.Clause == Policy.Clauses.Attendance && c.Status == VerdictStatus.Pending) && Calls.LeaderMarking.Overdue(dto.End, now));
            })
            .ToList();

        return new Result.Ok(new ComplianceOverviewDto(
            Pages.Display.Iso(range.From), Pages.Display.Iso(range.To), zone.Id, showing,
            judged.Count,
            judged.Count(j => j.State == SessionStates.Breached),
            judged.Count(j => j.State == SessionStates.Unsettled),
            judged.Count(j => j.State == SessionStates.Settled),
            judged.Count(j => j.State == SessionStates.Upcoming),
            tallies, items, wanted.Count, pageNumber, size, size == 0 ? 0 : (wanted.Count + size - 1) / size));
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="otherwise"/> when not given; an error on <paramref name="field"/> when it is not one.</summary>
    private static int Whole(string? text, string field, int min, int max, int otherwise, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return otherwise;
        }
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors[field] = [$"'{field}' is a whole number from {min} to {max}."];
        return otherwise;
    }
}
