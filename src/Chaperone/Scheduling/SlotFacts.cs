using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>
/// What the slot finder needs from the database, in one query (one round trip): the host,
/// pupils with their linked guardians and invited guardians (as <see cref="BookingFacts"/>
/// gathers them for a booking), the stamp of the school's settings, and when any of these
/// people is already busy over the dates asked for.
/// </summary>
public static class SlotFacts
{
    /// <summary>The facts of one search.</summary>
    public sealed record Loaded(PolicySettings Settings, BookingPeople People, IReadOnlyList<Interval> Busy);

    /// <summary>
    /// Loads the facts for a search over the local dates <paramref name="from"/> to
    /// <paramref name="to"/>. Busy times are read for those dates in any time zone, so that the
    /// query need not wait for the school's zone; they come back merged into disjoint intervals,
    /// by start.
    /// </summary>
    public static async Task<(Loaded? Facts, SessionOutcome? Missing)> LoadAsync(
        ChaperoneDbContext db, Guid schoolId, string teacherId, IReadOnlyList<string> pupilIds, IReadOnlyList<string> guardianIds,
        LocalDate from, LocalDate to, CancellationToken ct)
    {
        var pupilGuids = BookingFacts.ValidIds(pupilIds);
        var guardianGuids = BookingFacts.ValidIds(guardianIds);
        var hasTeacher = Ids.TryParse(teacherId, out var teacherGuid);

        // The dates begin no earlier and end no later than they do at the extreme offsets, whatever
        // the school's zone. Instants go to the database in UTC: PostgreSQL refuses other offsets,
        // and SQLite compares them as stored.
        var rangeStart = from.AtMidnight().WithOffset(Offset.MaxValue).ToInstant().ToDateTimeOffset();
        var rangeEnd = to.PlusDays(1).AtMidnight().WithOffset(Offset.MinValue).ToInstant().ToDateTimeOffset();
        var earliest = rangeStart.AddMinutes(-PolicySettings.MaximumDurationMinutes);

        Row? host = null;
        var pupils = new Dictionary<Guid, string>();
        var links = new List<(Guid Pupil, Guid Guardian)>();
        var guardians = new Dictionary<Guid, GuardianFacts>();
        var busy = new List<Interval>();
        await foreach (var row in FactsQuery.For(db)(db, schoolId, hasTeacher ? teacherGuid : Guid.Empty, Distinct(pupilGuids), Distinct(guardianGuids), earliest, rangeStart, rangeEnd)
            .WithCancellation(ct))
        {
            switch (row.Kind)
            {
                case KindHost or KindEndedHost:
                    host = row;
                    break;
                case KindPupil:
                    pupils[row.Id] = row.Name!;
                    break;
                case KindLink:
                    links.Add((row.Id, row.Other));
                    break;
                case KindGuardian:
                    guardians[row.Id] = new GuardianFacts(row.Id, row.Name!, row.Text!, row.Flag, row.Email);
                    break;
                default:
                    busy.Add(new Interval(Instant.FromDateTimeOffset(row.Start), Instant.FromDateTimeOffset(row.End)));
                    break;
            }
        }

        var missing = new Dictionary<string, string[]>();
        if (!hasTeacher || host is null)
        {
            missing["teacherId"] = [BookingFacts.NoSuchHost];
        }
        BookingFacts.ReportMissing(pupilIds, pupils.ContainsKey, "pupilIds", "pupil", missing);
        BookingFacts.ReportMissing(guardianIds, guardians.ContainsKey, "guardianIds", "parent or carer", missing);
        if (missing.Count > 0 || host is null)
        {
            return (null, new SessionOutcome.Missing(BookingFacts.MissingPeople, missing));
        }

        var settings = await BookingFacts.SettingsUnderAsync(db, schoolId, host.Other, ct);
        var hostFacts = new HostFacts(host.Id, host.Name!, host.Flag, host.Day is { } d ? LocalDate.FromDateOnly(d) : null, host.Kind == KindEndedHost);
        var pupilFacts = Distinct(pupilGuids)
            .Select(id => new PupilFacts(id, pupils[id], links.Where(l => l.Pupil == id).Select(l => l.Guardian).ToHashSet()))
            .ToList();
        var guardianFacts = Distinct(guardianGuids).Select(id => guardians[id]).ToList();
        var people = new BookingPeople(hostFacts, pupilFacts, guardianFacts, pupilGuids, guardianGuids);
        return (new Loaded(settings, people, Merge(busy)), null);
    }

    /// <summary>Sorts the intervals by start and joins those that overlap or touch, so that they are disjoint and ordered by both ends.</summary>
    public static List<Interval> Merge(List<Interval> intervals)
    {
        intervals.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<Interval>(intervals.Count);
        foreach (var interval in intervals)
        {
            if (merged.Count > 0 && interval.Start <= merged[^1].End)
            {
                if (interval.End > merged[^1].End)
                {
                    merged[^1] = new Interval(merged[^1].Start, interval.End);
                }
                continue;
            }
            merged.Add(interval);
        }
        return merged;
    }

    private static List<Guid> Distinct(List<Guid> ids) => ids.Count <= 1 ? ids : ids.Distinct().ToList();

    private const int KindHost = 0;
    private const int KindPupil = 1;
    private const int KindLink = 2;
    private const int KindGuardian = 3;
    private const int KindBusy = 4;
    /// <summary>A host whose access an admin has ended (they left).</summary>
    private const int KindEndedHost = 5;

    /// <summary>
    /// One row of the facts query; <see cref="Kind"/> says what it holds. Host (or a host whose
    /// access has ended): id, name, whether
    /// they hold the Teacher role (<see cref="Flag"/>), familiarisation date, settings stamp
    /// (<see cref="Other"/>). Pupil: id, name. Link: pupil id, guardian id (<see cref="Other"/>).
    /// Guardian: id, name, relationship (<see cref="Text"/>), parental responsibility
    /// (<see cref="Flag"/>), email. Busy: a session's start and end.
    /// </summary>
    private sealed class Row
    {
        public int Kind { get; init; }
        public Guid Id { get; init; }
        public Guid Other { get; init; }
        public string? Name { get; init; }
        public string? Text { get; init; }
        public string? Email { get; init; }
        public bool Flag { get; init; }
        public DateOnly? Day { get; init; }
        public DateTimeOffset Start { get; init; }
        public DateTimeOffset End { get; init; }
    }

    // Compiled once: it runs on every search. The busy times are the three index ranges by person
    // and start that Conflicts uses (the sessions that still hold their participants' time and
    // overlap the range), without the names; a compiled query cannot share that filter through a
    // helper, so it is spelled out in each part. The pupils' and parents' parts leave out the
    // teacher's own sessions, which the first part has already found: a session of all of them
    // (the usual case) comes once without the database having to remove repeats (UNION ALL, not
    // UNION, whose de-duplication cost PostgreSQL more than the rest of the query). A session of a
    // pupil and a parent with another teacher may still come twice; Merge joins the two. The
    // busy times come first because a union takes its column types from its first part, and on
    // SQLite instants are stored as numbers. The people are found by id within the school (an id
    // that names nobody simply matches nothing); the links are flat rows rather than a list per
    // pupil, which EF would build with code compiled at run time on every call.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, DateTimeOffset, DateTimeOffset, DateTimeOffset, IAsyncEnumerable<Row>>> FactsQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, Guid teacherId, List<Guid> pupilIds, List<Guid> guardianIds,
            DateTimeOffset earliest, DateTimeOffset start, DateTimeOffset end) =>
            db.Sessions.Where(s => s.TeacherId == teacherId && s.SchoolId == schoolId
                    && (s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live)
                    && s.Start > earliest && s.Start < end && s.End > start)
                .Select(s => new Row { Kind = KindBusy, Id = s.Id, Other = s.Id, Name = null, Text = null, Email = null, Flag = false, Day = null, Start = s.Start, End = s.End })
                .Concat(db.SessionPupils.Where(p => pupilIds.Contains(p.PupilId) && p.SchoolId == schoolId
                        && p.Start > earliest && p.Start < end && p.End > start)
                    .Join(db.Sessions.Where(s => s.TeacherId != teacherId && (s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live)),
                        p => p.SessionId, s => s.Id,
                        (p, s) => new Row { Kind = KindBusy, Id = s.Id, Other = s.Id, Name = null, Text = null, Email = null, Flag = false, Day = null, Start = s.Start, End = s.End }))
                .Concat(db.SessionGuardians.Where(g => guardianIds.Contains(g.GuardianId) && g.SchoolId == schoolId
                        && g.Start > earliest && g.Start < end && g.End > start)
                    .Join(db.Sessions.Where(s => s.TeacherId != teacherId && (s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live)),
                        g => g.SessionId, s => s.Id,
                        (g, s) => new Row { Kind = KindBusy, Id = s.Id, Other = s.Id, Name = null, Text = null, Email = null, Flag = false, Day = null, Start = s.Start, End = s.End }))
                .Concat(db.Users.Where(u => u.Id == teacherId && u.SchoolId == schoolId)
                    .Select(u => new Row
                    {
                        Kind = u.AccessEndedAt == null ? KindHost : KindEndedHost, Id = u.Id,
                        Other = db.Schools.Where(s => s.Id == schoolId).Select(s => s.SettingsStamp).FirstOrDefault(),
                        Name = u.Name, Text = null, Email = null,
                        Flag = db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Roles.Teacher)),
                        Day = u.FamiliarisationConfirmedOn, Start = start, End = start,
                    }))
                .Concat(db.Pupils.Where(p => p.SchoolId == schoolId && pupilIds.Contains(p.Id))
                    .Select(p => new Row { Kind = KindPupil, Id = p.Id, Other = p.Id, Name = p.Name, Text = null, Email = null, Flag = false, Day = null, Start = start, End = start }))
                .Concat(db.PupilGuardians.Where(l => l.SchoolId == schoolId && pupilIds.Contains(l.PupilId))
                    .Select(l => new Row { Kind = KindLink, Id = l.PupilId, Other = l.GuardianId, Name = null, Text = null, Email = null, Flag = false, Day = null, Start = start, End = start }))
                .Concat(db.Guardians.Where(g => g.SchoolId == schoolId && guardianIds.Contains(g.Id))
                    .Select(g => new Row { Kind = KindGuardian, Id = g.Id, Other = g.Id, Name = g.Name, Text = g.Relationship, Email = g.Email, Flag = g.HasParentalResponsibility, Day = null, Start = start, End = start }))));
}
