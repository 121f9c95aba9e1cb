using Chaperone.Compliance;
using Chaperone.Policy;
using NodaTime;

namespace Chaperone.Teams;

/// <summary>Who a person in Teams' attendance report is, as far as Chaperone can tell.</summary>
public enum AttendeeKind
{
    Teacher,
    /// <summary>The pupil's family device: an invited parent or carer.</summary>
    Family,
    /// <summary>Someone the session did not invite.</summary>
    Unknown,
}

/// <summary>One stretch of presence, from joining to leaving.</summary>
public sealed record PresenceInterval(DateTimeOffset Join, DateTimeOffset Leave);

/// <summary>A person's presence across every report of the meeting (intervals merged and sorted).</summary>
public sealed record AttendeePresence(string Name, string? Email, string? Role, AttendeeKind Kind, IReadOnlyList<PresenceInterval> Intervals)
{
    public DateTimeOffset? FirstJoin => Intervals.Count > 0 ? Intervals[0].Join : null;
    public DateTimeOffset? LastLeave => Intervals.Count > 0 ? Intervals.Max(i => i.Leave) : null;
}

/// <summary>
/// The session's attendance from Teams. <see cref="ReportCount"/> is how many attendance reports
/// Teams had; none means none has arrived yet (they come minutes to hours after the meeting).
/// </summary>
public sealed record TeamsAttendance(int ReportCount, IReadOnlyList<AttendeePresence> People)
{
    public IEnumerable<AttendeePresence> Of(AttendeeKind kind) => People.Where(p => p.Kind == kind);

    /// <summary>
    /// Builds attendance from raw records, which may come split over several reports (a report per
    /// time the meeting ran) or repeated in more than one: one person's intervals are unioned.
    /// </summary>
    public static TeamsAttendance From(int reportCount, IEnumerable<(string Key, string Name, string? Email, string? Role, AttendeeKind Kind, PresenceInterval Interval)> records) =>
        new(reportCount, records
            .GroupBy(r => r.Key)
            .Select(g => new AttendeePresence(g.First().Name, g.First().Email, g.First().Role, g.First().Kind, Union(g.Select(r => r.Interval))))
            .OrderBy(p => p.FirstJoin)
            .ToList());

    /// <summary>The union of intervals, as disjoint sorted intervals (touching ones join).</summary>
    public static IReadOnlyList<PresenceInterval> Union(IEnumerable<PresenceInterval> intervals)
    {
        var merged = new List<PresenceInterval>();
        foreach (var i in intervals.Where(i => i.Leave > i.Join).OrderBy(i => i.Join))
        {
            if (merged.Count > 0 && i.Join <= merged[^1].Leave)
            {
                var last = merged[^1];
                merged[^1] = last with { Leave = i.Leave > last.Leave ? i.Leave : last.Leave };
            }
            else
            {
                merged.Add(i);
            }
        }
        return merged;
    }

    /// <summary>How long <paramref name="a"/> is present while <paramref name="b"/> is not.</summary>
    public static TimeSpan Outside(IReadOnlyList<PresenceInterval> a, IReadOnlyList<PresenceInterval> b)
    {
        var total = TimeSpan.Zero;
        foreach (var x in a)
        {
            var covered = b.Sum(y =>
            {
                var start = x.Join > y.Join ? x.Join : y.Join;
                var end = x.Leave < y.Leave ? x.Leave : y.Leave;
                return end > start ? (end - start).Ticks : 0;
            });
            total += x.Leave - x.Join - TimeSpan.FromTicks(covered);
        }
        return total;
    }
}

/// <summary>A clause's verdict from Teams' attendance: met, breached, or not yet known (retry later).</summary>
public sealed record AttendanceVerdict(int Clause, string Rule, string Status, string Evidence);

/// <summary>
/// Clause 4 from Teams' attendance: the teacher and the pupil's family device were in the call
/// together, and the family was never in it without the teacher. (Teams cannot tell pupil from
/// parent on one device; the parent's presence throughout is attested on joining, clause 1.)
/// </summary>
public static class TogetherThroughoutRule
{
    public const string Name = "teams-together-throughout";

    /// <summary>Joins and leaves are reported to the second; a few seconds apart is "together".</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(60);

    public static AttendanceVerdict Judge(TeamsAttendance attendance)
    {
        var teacher = TeamsAttendance.Union(attendance.Of(AttendeeKind.Teacher).SelectMany(p => p.Intervals));
        var family = TeamsAttendance.Union(attendance.Of(AttendeeKind.Family).SelectMany(p => p.Intervals));
        if (teacher.Count == 0 || family.Count == 0)
        {
            var absent = teacher.Count == 0 && family.Count == 0 ? "Neither the teacher nor the family" : teacher.Count == 0 ? "The teacher" : "The family";
            return new(Clauses.Participants, Name, VerdictStatus.Breached, $"{absent} appear in Teams' attendance report.");
        }
        var alone = TeamsAttendance.Outside(family, teacher);
        var together = family.Sum(f => (f.Leave - f.Join).Ticks) - alone.Ticks;
        var unknown = attendance.Of(AttendeeKind.Unknown).Select(p => p.Name).ToList();
        var others = unknown.Count > 0 ? $" Not invited, also present: {string.Join(", ", unknown)}." : "";
        return alone > Tolerance
            ? new(Clauses.Participants, Name, VerdictStatus.Breached,
                $"The family was in the call for {Minutes(alone)} without the teacher.{others}")
            : new(Clauses.Participants, Name, unknown.Count > 0 ? VerdictStatus.Breached : VerdictStatus.Met,
                $"Teacher and family were in the call together for {Minutes(TimeSpan.FromTicks(together))}, the family never without the teacher.{others}");
    }

    private static string Minutes(TimeSpan t) => $"{Math.Round(t.TotalMinutes, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} min";
}

/// <summary>Clause 6 from Teams' attendance: the family left for the last time no later than the teacher did.</summary>
public static class FamilyLeftFirstRule
{
    public const string Name = "teams-family-left-first";

    /// <summary>The times are written in the school's zone (<paramref name="zone"/>), as the rest of the session's record gives them.</summary>
    public static AttendanceVerdict Judge(TeamsAttendance attendance, DateTimeZone zone)
    {
        var teacherLeft = attendance.Of(AttendeeKind.Teacher).Select(p => p.LastLeave).Max();
        var familyLeft = attendance.Of(AttendeeKind.Family).Select(p => p.LastLeave).Max();
        if (teacherLeft is null || familyLeft is null)
        {
            return new(Clauses.ExitOrder, Name, VerdictStatus.NotApplicable, "No exit order: the teacher and the family were not both in the call.");
        }
        return familyLeft <= teacherLeft + TogetherThroughoutRule.Tolerance
            ? new(Clauses.ExitOrder, Name, VerdictStatus.Met, $"The family left at {Pages.Display.TimeAtToSecond(familyLeft.Value, zone)}, the teacher at {Pages.Display.TimeAtToSecond(teacherLeft.Value, zone)}.")
            : new(Clauses.ExitOrder, Name, VerdictStatus.Breached, $"The teacher left at {Pages.Display.TimeAtToSecond(teacherLeft.Value, zone)}, before the family (who left at {Pages.Display.TimeAtToSecond(familyLeft.Value, zone)}).");
    }
}

/// <summary>
/// Clause 3 from Teams' attendance: the family's part of the call, from their first joining to
/// their last leaving, lay within one school day's hours, as a call in the built-in room is judged
/// (<see cref="Calls.LiveSchoolHoursRule"/>).
/// </summary>
public static class FamilyWithinHoursRule
{
    public const string Name = "teams-kept-to-hours";

    public static AttendanceVerdict Judge(TeamsAttendance attendance, PolicySettings settings)
    {
        var family = attendance.Of(AttendeeKind.Family).ToList();
        if (family.Select(p => p.FirstJoin).Min() is not { } from || family.Select(p => p.LastLeave).Max() is not { } to)
        {
            return new(Clauses.SchoolHours, Name, VerdictStatus.NotApplicable, "The family did not join the meeting.");
        }
        var (span, hours) = Calls.LiveSchoolHoursRule.Words(settings, from, to);
        return Calls.LiveSchoolHoursRule.Kept(settings, from, to)
            ? new(Clauses.SchoolHours, Name, VerdictStatus.Met, $"The family was in the meeting {span}, within school hours ({hours}).")
            : new(Clauses.SchoolHours, Name, VerdictStatus.Breached, $"The family was in the meeting {span}, beyond school hours ({hours}).");
    }
}

/// <summary>
/// Whether Teams' attendance can be judged yet. Reports arrive late: with none, or only empty
/// ones, the verdict stays pending until <see cref="Patience"/> after the session's end, and
/// then an absence of attendance is itself the finding.
/// </summary>
public static class AttendanceReadiness
{
    public static readonly TimeSpan Patience = TimeSpan.FromHours(24);

    public static IReadOnlyList<AttendanceVerdict> Judge(TeamsAttendance attendance, DateTimeOffset sessionEnd, DateTimeOffset now, PolicySettings settings)
    {
        if (attendance.People.Count == 0)
        {
            if (now < sessionEnd + Patience)
            {
                var why = attendance.ReportCount == 0 ? "Teams has not yet published an attendance report." : "Teams' attendance report is still empty.";
                return [new(Clauses.Participants, TogetherThroughoutRule.Name, VerdictStatus.Pending, why),
                        new(Clauses.ExitOrder, FamilyLeftFirstRule.Name, VerdictStatus.Pending, why)];
            }
        }
        return [TogetherThroughoutRule.Judge(attendance), FamilyLeftFirstRule.Judge(attendance, settings.TimeZone), FamilyWithinHoursRule.Judge(attendance, settings)];
    }
}
