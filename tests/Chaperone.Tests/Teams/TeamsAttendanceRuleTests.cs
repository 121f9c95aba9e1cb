using Chaperone.Compliance;
using Chaperone.Teams;

namespace Chaperone.Tests.Teams;

/// <summary>Clauses 3, 4 and 6 judged from Teams' attendance, as pure rules.</summary>
public sealed class TeamsAttendanceRuleTests
{
    private static readonly DateTimeOffset End = new(2026, 12, 3, 10, 30, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int minute, int second = 0) => new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero).AddMinutes(minute).AddSeconds(second);

    private static (string, string, string?, string?, AttendeeKind, PresenceInterval) Teacher(int from, int to) =>
        ("teacher-oid", "Tess Teacher", "tess@school.test", "Organizer", AttendeeKind.Teacher, new PresenceInterval(At(from), At(to)));

    private static (string, string, string?, string?, AttendeeKind, PresenceInterval) Family(int from, int to) =>
        ("MIA@FAMILY.TEST", "Mia Mother", "mia@family.test", "Attendee", AttendeeKind.Family, new PresenceInterval(At(from), At(to)));

    private static IReadOnlyList<AttendanceVerdict> Judge(int reports, DateTimeOffset now, params (string, string, string?, string?, AttendeeKind, PresenceInterval)[] records) =>
        AttendanceReadiness.Judge(TeamsAttendance.From(reports, records), End, now, Chaperone.Policy.PolicySettings.Default);

    private static string StatusOf(IReadOnlyList<AttendanceVerdict> verdicts, int clause) => verdicts.Single(v => v.Clause == clause).Status;

    [Fact]
    public void TheOrderOfLeavingIsGivenInTheSchoolsTimesInSummer()
    {
        // 09:00 UTC on a June day is 10:00 in London (British Summer Time).
        var nine = new DateTimeOffset(2027, 6, 10, 9, 0, 0, TimeSpan.Zero);
        var attendance = TeamsAttendance.From(1, [
            ("teacher-oid", "Tess Teacher", "tess@school.test", "Organizer", AttendeeKind.Teacher, new PresenceInterval(nine, nine.AddMinutes(31))),
            ("MIA@FAMILY.TEST", "Mia Mother", "mia@family.test", "Attendee", AttendeeKind.Family, new PresenceInterval(nine.AddMinutes(1), nine.AddMinutes(29).AddSeconds(5))),
        ]);

        var verdict = AttendanceReadiness.Judge(attendance, nine.AddMinutes(30), nine.AddMinutes(31), Chaperone.Policy.PolicySettings.Default).Single(v => v.Clause == 6);

        Assert.Equal(VerdictStatus.Met, verdict.Status);
        Assert.Equal("The family left at 10:29:05, the teacher at 10:31:00.", verdict.Evidence);
    }

    [Fact]
    public void TeacherThroughoutAndFamilyLeavingFirstMeetsClauses4And6()
    {
        var verdicts = Judge(1, End, Teacher(0, 31), Family(1, 29));

        Assert.Equal(VerdictStatus.Met, StatusOf(verdicts, 4));
        Assert.Equal(VerdictStatus.Met, StatusOf(verdicts, 6));
    }

    [Fact]
    public void TheFamilysPartOfTheMeetingIsJudgedAgainstSchoolHoursUnderClause3()
    {
        // 10:00 London in December: the family in the meeting 10:01–10:29, well within 09:00–15:00.
        var within = Judge(1, End, Teacher(0, 31), Family(1, 29)).Single(v => v.Clause == 3);
        Assert.Equal(VerdictStatus.Met, within.Status);
        Assert.Equal("The family was in the meeting 10:01–10:29, within school hours (09:00–15:00, Europe/London).", within.Evidence);

        // A meeting run on until 15:05 (five hours on): beyond them, though the teacher hosted throughout.
        var beyond = Judge(1, End, Teacher(0, 306), Family(1, 305)).Single(v => v.Clause == 3);
        Assert.Equal(VerdictStatus.Breached, beyond.Status);
        Assert.Contains("10:01–15:05, beyond school hours", beyond.Evidence, StringComparison.Ordinal);

        // Ending exactly at 15:00 is within, as for a booking.
        Assert.Equal(VerdictStatus.Met, Judge(1, End, Teacher(0, 301), Family(1, 300)).Single(v => v.Clause == 3).Status);
        Assert.Equal(VerdictStatus.NotApplicable, Judge(1, End, Teacher(0, 30)).Single(v => v.Clause == 3).Status);
    }

    [Fact]
    public void TeacherLeavingBeforeTheFamilyBreachesClause6AndLeavesTheFamilyAloneUnderClause4()
    {
        var verdicts = Judge(1, End, Teacher(0, 25), Family(1, 29));

        Assert.Equal(VerdictStatus.Breached, StatusOf(verdicts, 6));
        Assert.Equal(VerdictStatus.Breached, StatusOf(verdicts, 4));
        Assert.Contains("without the teacher", verdicts.Single(v => v.Clause == 4).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void FamilyThatNeverJoinedBreachesClause4AndClause6DoesNotApply()
    {
        var verdicts = Judge(1, End, Teacher(0, 30));

        Assert.Equal(VerdictStatus.Breached, StatusOf(verdicts, 4));
        Assert.Equal(VerdictStatus.NotApplicable, StatusOf(verdicts, 6));
    }

    [Fact]
    public void PresenceSplitAndRepeatedAcrossSeveralReportsIsMergedBeforeJudging()
    {
        // Two reports: the meeting restarted at 10:15, and the second report repeats part of the first.
        var verdicts = Judge(2, End, Teacher(0, 16), Family(1, 15), Teacher(15, 31), Family(10, 29), Family(14, 20));

        Assert.Equal(VerdictStatus.Met, StatusOf(verdicts, 4));
        Assert.Equal(VerdictStatus.Met, StatusOf(verdicts, 6));
        Assert.Contains("28 min", verdicts.Single(v => v.Clause == 4).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void AFamilyDropAndRejoinWhileTheTeacherStaysIsStillTogetherThroughout()
    {
        var verdicts = Judge(1, End, Teacher(0, 31), Family(1, 10), Family(12, 29));

        Assert.Equal(VerdictStatus.Met, StatusOf(verdicts, 4));
    }

    [Fact]
    public void NoReportYetIsPendingNotBreached()
    {
        var verdicts = Judge(0, End.AddMinutes(20));

        Assert.All(verdicts, v => Assert.Equal(VerdictStatus.Pending, v.Status));
        Assert.Contains("not yet published", verdicts[0].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyReportIsPendingUntilPatienceRunsOutThenClause4IsBreached()
    {
        Assert.All(Judge(1, End.AddHours(2)), v => Assert.Equal(VerdictStatus.Pending, v.Status));

        var late = Judge(1, End + AttendanceReadiness.Patience);

        Assert.Equal(VerdictStatus.Breached, StatusOf(late, 4));
    }

    [Fact]
    public void SomeoneNotInvitedInTheCallBreachesClause4()
    {
        var stranger = ("x-oid", "Unknown Person", (string?)null, (string?)"Attendee", AttendeeKind.Unknown, new PresenceInterval(At(5), At(10)));

        var verdicts = Judge(1, End, Teacher(0, 31), Family(1, 29), stranger);

        Assert.Equal(VerdictStatus.Breached, StatusOf(verdicts, 4));
        Assert.Contains("Unknown Person", verdicts.Single(v => v.Clause == 4).Evidence, StringComparison.Ordinal);
    }
}
