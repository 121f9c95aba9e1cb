using Chaperone.Policy;
using NodaTime;
using static Chaperone.Tests.Policy.Proposals;

namespace Chaperone.Tests.Policy;

/// <summary>Each booking rule at its boundaries, on the pure engine.</summary>
public sealed class BookingRuleTests
{
    [Fact]
    public void AProposalThatKeepsEveryClauseIsAllowed()
    {
        var verdict = PolicyEngine.Judge(Valid(), PolicySettings.Default);

        Assert.True(verdict.Allowed, string.Join("; ", verdict.Violations.Select(v => v.Message)));
        Assert.Equal(new[] { 1, 2, 3, 4, 8 }, verdict.Findings.Select(f => f.Clause).Distinct().Order());
    }

    [Fact]
    public void BookingUnder48HoursIsRefusedUnderClause8()
    {
        var violations = Violations(Valid(start: Now + Duration.FromHours(24)));

        Assert.Contains(violations, v => v.Clause == 8 && v.Rule == "minimum-notice" && v.Field == "start");
    }

    [Fact]
    public void BookingExactly48HoursAheadIsAllowed()
    {
        var start = London_(2026, 12, 2, 10, 0);

        Assert.Empty(Violations(Valid(start: start, now: start - Duration.FromHours(48))));
    }

    [Fact]
    public void BookingAtFortySevenFiftyNineFiftyNineIsRefused()
    {
        var start = London_(2026, 12, 2, 10, 0);

        var rules = Rules(Valid(start: start, now: start - Duration.FromHours(48) + Duration.FromSeconds(1)));

        Assert.Equal(["minimum-notice"], rules);
    }

    [Fact]
    public void StartInThePastIsRefusedUnderClause8()
    {
        Assert.Contains("start-in-past", Rules(Valid(start: Now - Duration.FromMinutes(1))));
    }

    [Theory]
    [InlineData(8, 59, 30, false)]
    [InlineData(9, 0, 30, true)]
    [InlineData(14, 30, 30, true)]
    [InlineData(14, 31, 30, false)]
    [InlineData(14, 50, 10, true)]
    [InlineData(13, 0, 120, true)]
    [InlineData(13, 1, 120, false)]
    public void TheWholeSessionLiesInsideSchoolHoursUnderClause3(int hour, int minute, int duration, bool allowed)
    {
        var rules = Rules(Valid(start: London_(2026, 12, 2, hour, minute), duration: duration));

        Assert.Equal(allowed, !rules.Contains("school-hours"));
    }

    [Fact]
    public void StartingAt0859IsRefusedAndEndingAt1501IsRefused()
    {
        Assert.Contains("school-hours", Rules(Valid(start: London_(2026, 12, 2, 8, 59), duration: 30)));
        Assert.Contains("school-hours", Rules(Valid(start: London_(2026, 12, 2, 14, 31), duration: 30)));
        Assert.Empty(Rules(Valid(start: London_(2026, 12, 2, 9, 0), duration: 360 / 3)));
    }

    [Theory]
    [InlineData(2026, 12, 5)] // Saturday
    [InlineData(2026, 12, 6)] // Sunday
    public void WeekendsAreNotSchoolDays(int year, int month, int day)
    {
        var violations = Violations(Valid(start: London_(year, month, day, 10, 0)));

        Assert.Contains(violations, v => v.Clause == 3 && v.Rule == "school-day");
    }

    [Fact]
    public void ClosureDaysAreRefusedWithTheirReason()
    {
        var settings = PolicySettings.Default with
        {
            Closures = [new ClosurePeriod(new LocalDate(2026, 12, 21), new LocalDate(2027, 1, 1), "Christmas holidays")],
        };

        var violations = Violations(Valid(start: London_(2026, 12, 21, 10, 0)), settings);
        var dayAfter = Violations(Valid(start: London_(2027, 1, 4, 10, 0)), settings);

        Assert.Contains(violations, v => v.Rule == "school-closed" && v.Message.Contains("Christmas holidays", StringComparison.Ordinal));
        Assert.Empty(dayAfter);
    }

    // Europe/London moves to BST at 01:00 UTC on the last Sunday of March (28 March 2027) and
    // back to GMT at 01:00 UTC on the last Sunday of October (25 October 2026, 31 October 2027).
    [Theory]
    [InlineData("2027-03-26T09:00:00Z", true)]   // Friday before: GMT, 09:00 local
    [InlineData("2027-03-26T08:59:00Z", false)]  // 08:59 GMT
    [InlineData("2027-03-29T08:00:00Z", true)]   // Monday after: 09:00 BST
    [InlineData("2027-03-29T07:59:00Z", false)]  // 08:59 BST
    [InlineData("2027-03-29T09:00:00Z", true)]   // 10:00 BST
    [InlineData("2027-03-29T13:30:00Z", true)]   // 14:30–15:00 BST
    [InlineData("2027-03-29T14:00:00Z", false)]  // 15:00 BST start
    [InlineData("2027-10-29T08:00:00Z", true)]   // Friday before: 09:00 BST
    [InlineData("2027-10-29T13:31:00Z", false)]  // 14:31 BST, ends 15:01
    [InlineData("2027-11-01T09:00:00Z", true)]   // Monday after: 09:00 GMT
    [InlineData("2027-11-01T08:00:00Z", false)]  // 08:00 GMT
    [InlineData("2026-10-23T13:30:00Z", true)]   // Friday before the 2026 change: 14:30 BST
    [InlineData("2026-10-26T14:30:00Z", true)]   // Monday after: 14:30 GMT
    [InlineData("2026-10-26T14:31:00Z", false)]  // ends 15:01 GMT
    public void SchoolHoursFollowTheClockChanges(string startUtc, bool allowed)
    {
        var start = NodaTime.Text.InstantPattern.General.Parse(startUtc).Value;

        var rules = Rules(Valid(start: start, now: start - Duration.FromDays(7)));

        Assert.Equal(allowed, !rules.Contains("school-hours") && !rules.Contains("school-day"));
    }

    [Fact]
    public void NoticeIsMeasuredInElapsedHoursAcrossAClockChange()
    {
        // 48 elapsed hours before Monday 1 November 2027 09:30 GMT is Saturday 30 October 10:30 BST:
        // only 47 hours apart on the wall clock, yet exactly enough notice.
        var start = London_(2027, 11, 1, 9, 30);
        var now = start - Duration.FromHours(48);
        Assert.Equal(new LocalDateTime(2027, 10, 30, 10, 30), now.InZone(London).LocalDateTime);

        Assert.Empty(Violations(Valid(start: start, now: now)));
        Assert.Contains("minimum-notice", Rules(Valid(start: start, now: now + Duration.FromSeconds(1))));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    [InlineData(120, true)]
    [InlineData(121, false)]
    [InlineData(0, false)]
    [InlineData(-30, false)]
    public void DurationMustBeBetweenTenAndOneHundredAndTwentyMinutes(int minutes, bool allowed)
    {
        var rules = Rules(Valid(start: London_(2026, 12, 2, 10, 0), duration: minutes));

        Assert.Equal(allowed, !rules.Contains("duration"));
    }

    [Fact]
    public void AHostWhoHasNotConfirmedFamiliarisationIsRefusedUnderClause2()
    {
        var proposal = Valid() with { Host = new HostFacts(Host, "Rachel Lewis", true, null) };

        Assert.Contains(Violations(proposal), v => v.Clause == 2 && v.Rule == "platform-familiarisation" && v.Field == "teacherId");
    }

    [Fact]
    public void FamiliarisationDatedAfterTodayDoesNotCount()
    {
        var proposal = Valid() with { Host = new HostFacts(Host, "Rachel Lewis", true, new LocalDate(2026, 12, 1)) };

        Assert.Contains("platform-familiarisation", Rules(proposal));
    }

    [Fact]
    public void ATeacherWhoseAccessHasEndedCannotHostUnderClause4()
    {
        var proposal = Valid() with { Host = new HostFacts(Host, "Lee Leaver", true, new LocalDate(2026, 9, 1), AccessEnded: true) };

        var violation = Assert.Single(Violations(proposal), v => v.Clause == 4 && v.Rule == "teacher-host");
        Assert.Contains("access has ended", violation.Message);
    }

    [Fact]
    public void AHostWhoIsNotATeacherIsRefusedUnderClause4()
    {
        var proposal = Valid() with { Host = new HostFacts(Host, "Alex Morgan", false, new LocalDate(2026, 9, 1)) };

        Assert.Contains(Violations(proposal), v => v.Clause == 4 && v.Rule == "teacher-host");
    }

    [Fact]
    public void ACarerWithoutParentalResponsibilityCannotBeTheOnlyAdultUnderClause1()
    {
        var proposal = Valid() with { Guardians = [new GuardianFacts(Parent, "Tom Evans", "Foster carer", false, "tom@example.org")] };

        var violations = Violations(proposal);

        Assert.Contains(violations, v => v.Clause == 1 && v.Rule == "parental-responsibility");
        Assert.DoesNotContain(violations, v => v.Clause == 4);
    }

    [Fact]
    public void AGuardianWithoutEmailCannotBeNotifiedUnderClause8()
    {
        var proposal = Valid() with { Guardians = [new GuardianFacts(Parent, "Kelly Smith", "Mother", true, null)] };

        Assert.Contains(Violations(proposal), v => v.Clause == 8 && v.Rule == "guardian-email");
    }

    [Fact]
    public void EachPupilNeedsALinkedInvitedGuardianUnderClause4()
    {
        var stranger = Guid.NewGuid();
        var proposal = Valid() with
        {
            Guardians = [new GuardianFacts(stranger, "Not A Parent", "Neighbour", true, "n@example.org")],
            RequestedGuardianIds = [stranger],
        };

        var rules = Rules(proposal).ToList();

        Assert.Contains("supervising-guardian", rules);
        Assert.Contains("guardian-not-linked", rules);
    }

    [Fact]
    public void NoPupilAndNoGuardianBreaksClause4Twice()
    {
        var proposal = Valid() with { Pupils = [], Guardians = [], RequestedPupilIds = [], RequestedGuardianIds = [] };

        var violations = Violations(proposal);

        Assert.Contains(violations, v => v.Rule == "pupil-required");
        Assert.Contains(violations, v => v.Rule == "minimum-participants");
    }

    [Fact]
    public void DuplicateIdsAreRefused()
    {
        var proposal = Valid() with { RequestedPupilIds = [Pupil, Pupil], RequestedGuardianIds = [Parent, Parent] };

        Assert.Equal(2, Violations(proposal).Count(v => v.Rule == "duplicate-participant"));
    }

    [Fact]
    public void EveryViolationIsReportedNotJustTheFirst()
    {
        var proposal = Valid(start: London_(2026, 12, 5, 8, 0), duration: 5) with
        {
            Host = new HostFacts(Host, "Rachel Lewis", true, null),
            Guardians = [new GuardianFacts(Parent, "Tom Evans", "Foster carer", false, null)],
        };

        var clauses = Violations(proposal).Select(v => v.Clause).Distinct().Order().ToList();

        Assert.Equal([1, 2, 3, 8], clauses);
    }

    [Fact]
    public void SettingsChangeTheRules()
    {
        var settings = PolicySettings.Default with
        {
            DayStart = new LocalTime(8, 30),
            MinimumNotice = Duration.FromHours(24),
            SchoolDays = new HashSet<IsoDayOfWeek> { IsoDayOfWeek.Saturday },
        };

        Assert.Empty(Violations(Valid(start: London_(2026, 12, 5, 8, 30)), settings));
        Assert.Contains("school-day", Rules(Valid(start: London_(2026, 12, 2, 10, 0)), settings));
    }

    [Fact]
    public void EveryFindingNamesAClauseOfThePolicy()
    {
        var proposal = Valid(start: London_(2026, 12, 5, 8, 0), duration: 500) with { Host = new HostFacts(Host, "X", false, null), Pupils = [], Guardians = [] };

        var findings = PolicyEngine.Judge(proposal, PolicySettings.Default).Findings;

        Assert.All(findings, f => Assert.InRange(f.Clause, 1, 12));
        Assert.All(findings, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
    }

    [Fact]
    public void TheClausesAreThePolicysTwelve()
    {
        Assert.Equal(Enumerable.Range(1, 12), Clauses.All.Select(c => c.Number));
        Assert.StartsWith("Parents must give their consent", Clauses.Get(1).Text, StringComparison.Ordinal);
        Assert.Contains("at least 48 hours in advance", Clauses.Get(8).Text, StringComparison.Ordinal);
        Assert.Contains("(09.00 - 15:00)", Clauses.Get(3).Text, StringComparison.Ordinal);
    }
}
