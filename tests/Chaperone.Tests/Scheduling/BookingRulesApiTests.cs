using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The booking rules at their edges, through the API. The clock stays at Monday 30 November 2026
/// 08:00 UTC in this class, so the 48-hour mark is Wednesday 2 December 08:00 UTC.
/// </summary>
public abstract class BookingRulesApiTests(ChaperoneApp app)
{
    private static DateTimeOffset Utc(int y, int m, int d, int h, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(9, 0, 30)]
    [InlineData(14, 30, 30)]
    [InlineData(13, 0, 120)]
    [InlineData(9, 0, 10)]
    public async Task SessionsWhollyInsideSchoolHoursAreAllowed(int hour, int minute, int duration)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, hour, minute), durationMinutes: duration));

        var session = await Api.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(Utc(2026, 12, 3, hour, minute).AddMinutes(duration), session.GetProperty("end").GetDateTimeOffset());
    }

    [Theory]
    [InlineData(8, 59, 30)]
    [InlineData(14, 31, 30)]
    [InlineData(15, 1, 30)]
    [InlineData(15, 0, 10)]
    [InlineData(13, 30, 120)]
    public async Task SessionsReachingOutsideSchoolHoursAreRefusedUnderClause3(int hour, int minute, int duration)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, hour, minute), durationMinutes: duration));

        Assert.Equal([(3, "school-hours")], await Api.ViolationsAsync(response));
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public async Task WeekendSessionsAreRefusedUnderClause3(int day)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, day, 10)));

        Assert.Equal([(3, "school-day")], await Api.ViolationsAsync(response));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(121)]
    [InlineData(0)]
    [InlineData(-30)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public async Task DurationsOutside10To120MinutesAreRefusedAsDuration(int duration)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, 10), durationMinutes: duration));

        var violations = await Api.ViolationsAsync(response);
        Assert.Contains((3, "duration"), violations);
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task AHugeDurationFarInTheFutureIsRefusedNotAnError()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2999, 1, 7, 10), durationMinutes: int.MaxValue));

        Assert.Contains((3, "duration"), await Api.ViolationsAsync(response));
    }

    [Theory]
    // Spring forward (Sunday 28 March 2027): Monday 29 March is BST, so 09:00 local is 08:00 UTC.
    [InlineData("2027-03-29T08:00:00Z", 30, true, "2027-03-29T09:00:00+01:00")]
    [InlineData("2027-03-29T07:59:00Z", 30, false, null)]
    [InlineData("2027-03-29T13:30:00Z", 30, true, "2027-03-29T14:30:00+01:00")]
    [InlineData("2027-03-29T14:00:00Z", 30, false, null)]
    [InlineData("2027-03-29T10:00:00+01:00", 30, true, "2027-03-29T10:00:00+01:00")]
    // The Friday before, still GMT.
    [InlineData("2027-03-26T09:00:00Z", 30, true, "2027-03-26T09:00:00+00:00")]
    [InlineData("2027-03-26T08:30:00Z", 30, false, null)]
    [InlineData("2027-03-26T14:30:00Z", 30, true, "2027-03-26T14:30:00+00:00")]
    // Fall back (Sunday 31 October 2027): Friday 29 October is BST, Monday 1 November GMT.
    [InlineData("2027-10-29T08:00:00Z", 30, true, "2027-10-29T09:00:00+01:00")]
    [InlineData("2027-10-29T14:00:00Z", 30, false, null)]
    [InlineData("2027-11-01T08:00:00Z", 30, false, null)]
    [InlineData("2027-11-01T09:00:00Z", 30, true, "2027-11-01T09:00:00+00:00")]
    [InlineData("2027-11-01T14:30:00Z", 30, true, "2027-11-01T14:30:00+00:00")]
    public async Task SchoolHoursFollowTheLondonClockAcrossBothClockChanges(string start, int duration, bool allowed, string? startLocal)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var body = school.Booking(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), durationMinutes: duration);

        var response = await TestSchool.BookAsync(client, body);

        if (allowed)
        {
            var session = await Api.JsonAsync(response, HttpStatusCode.Created);
            Assert.Equal(startLocal, session.GetProperty("startLocal").GetString());
            Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), session.GetProperty("start").GetDateTimeOffset());
        }
        else
        {
            Assert.Equal([(3, "school-hours")], await Api.ViolationsAsync(response));
        }
    }

    [Fact]
    public async Task EveryClauseBrokenIsReportedAtOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        // Unfamiliar teacher (2), after school hours (3), the carer without parental responsibility (1),
        // under 48 hours (8) and with a parent who has no email address (8).
        var body = new
        {
            teacherId = school.UnfamiliarTeacherId.ToString(),
            pupilIds = new[] { school.CarerOnlyPupil.ToString(), school.NoEmailPupil.ToString() },
            guardianIds = new[] { school.CarerWithoutResponsibility.ToString(), school.NoEmailParent.ToString() },
            kind = "pastoral",
            start = "2026-11-30T15:30:00+00:00",
            durationMinutes = 30,
        };

        var response = await TestSchool.BookAsync(slt, body);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var violations = problem.GetProperty("violations").EnumerateArray().ToList();
        var pairs = violations.Select(v => (v.GetProperty("clause").GetInt32(), v.GetProperty("rule").GetString())).ToList();
        Assert.Contains((1, "parental-responsibility"), pairs);
        Assert.Contains((2, "platform-familiarisation"), pairs);
        Assert.Contains((3, "school-hours"), pairs);
        Assert.Contains((8, "minimum-notice"), pairs);
        Assert.Contains((8, "guardian-email"), pairs);
        Assert.All(violations, v => Assert.False(string.IsNullOrWhiteSpace(v.GetProperty("message").GetString())));
        Assert.Equal(new[] { 1, 2, 3, 8 }, pairs.Select(p => p.Item1).Distinct().Order());
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task ACarerWithoutParentalResponsibilityAloneIsRefusedUnderClause1()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, 10), school.CarerOnlyPupil, school.CarerWithoutResponsibility));

        Assert.Equal([(1, "parental-responsibility")], await Api.ViolationsAsync(response));
    }

    [Fact]
    public async Task AGuardianWithoutEmailIsRefusedUnderClause8()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, 10), school.NoEmailPupil, school.NoEmailParent));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var violation = Assert.Single(problem.GetProperty("violations").EnumerateArray());
        Assert.Equal(8, violation.GetProperty("clause").GetInt32());
        Assert.Equal("guardian-email", violation.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task AnUnfamiliarTeacherIsRefusedUnderClause2()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);

        var response = await TestSchool.BookAsync(slt, school.Booking(Utc(2026, 12, 3, 10), teacher: school.UnfamiliarTeacherId));

        Assert.Equal([(2, "platform-familiarisation")], await Api.ViolationsAsync(response));
    }

    [Fact]
    public async Task AGuardianNotLinkedToThePupilIsRefusedUnderClause4()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, 10), school.SiblingA, school.Mother));

        var violations = await Api.ViolationsAsync(response);
        Assert.Contains((4, "supervising-guardian"), violations);
        Assert.Contains((4, "guardian-not-linked"), violations);
        Assert.Contains((1, "parental-responsibility"), violations);
    }

    [Fact]
    public async Task NoGuardiansIsRefusedUnderClause4()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var body = new
        {
            teacherId = school.TeacherId.ToString(), pupilIds = new[] { school.TwoParentPupil.ToString() }, guardianIds = Array.Empty<string>(),
            kind = "support", start = "2026-12-03T10:00:00Z", durationMinutes = 30,
        };

        var response = await TestSchool.BookAsync(client, body);

        var violations = await Api.ViolationsAsync(response);
        Assert.Contains((4, "supervising-guardian"), violations);
        Assert.Contains((4, "minimum-participants"), violations);
    }

    [Fact]
    public async Task NoPupilsIsRefusedUnderClause4()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var body = new
        {
            teacherId = school.TeacherId.ToString(), pupilIds = Array.Empty<string>(), guardianIds = new[] { school.Mother.ToString() },
            kind = "support", start = "2026-12-03T10:00:00Z", durationMinutes = 30,
        };

        var response = await TestSchool.BookAsync(client, body);

        Assert.Contains((4, "pupil-required"), await Api.ViolationsAsync(response));
    }

    [Fact]
    public async Task DuplicateIdsAreRefusedAndDoNotCountTwice()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var body = new
        {
            teacherId = school.TeacherId.ToString(),
            pupilIds = new[] { school.TwoParentPupil.ToString(), school.TwoParentPupil.ToString() },
            guardianIds = new[] { school.Mother.ToString(), school.Mother.ToString() },
            kind = "support", start = "2026-12-03T10:00:00Z", durationMinutes = 30,
        };

        var response = await TestSchool.BookAsync(client, body);

        var violations = await Api.ViolationsAsync(response);
        Assert.Equal(2, violations.Count(v => v == (4, "duplicate-participant")));
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task BothSiblingsWithTheirSharedParentMakeOneValidSession()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var body = new
        {
            teacherId = school.TeacherId.ToString(),
            pupilIds = new[] { school.SiblingA.ToString(), school.SiblingB.ToString() },
            guardianIds = new[] { school.SharedParent.ToString() },
            kind = "pastoral", start = "2026-12-03T10:00:00Z", durationMinutes = 45,
        };

        var session = await Api.JsonAsync(await TestSchool.BookAsync(client, body), HttpStatusCode.Created);

        Assert.Equal(2, session.GetProperty("pupils").GetArrayLength());
        Assert.Equal("pastoral", session.GetProperty("kind").GetString());
        Assert.Equal(school.SharedParent.ToString(), Assert.Single(session.GetProperty("guardians").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task BookedSessionHasTheShapeApiMdFixes()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var created = await Api.JsonAsync(await TestSchool.BookAsync(client, school.Booking(Utc(2026, 12, 3, 10))), HttpStatusCode.Created);

        var session = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{created.GetProperty("id").GetString()}"), HttpStatusCode.OK);

        Assert.Equal("scheduled", session.GetProperty("status").GetString());
        Assert.Equal("support", session.GetProperty("kind").GetString());
        Assert.Equal(Utc(2026, 12, 3, 10), session.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(Utc(2026, 12, 3, 10, 30), session.GetProperty("end").GetDateTimeOffset());
        Assert.Equal("2026-12-03T10:00:00+00:00", session.GetProperty("startLocal").GetString());
        Assert.Equal(school.TeacherId.ToString(), session.GetProperty("teacher").GetProperty("id").GetString());
        Assert.Equal(school.TwoParentPupil.ToString(), Assert.Single(session.GetProperty("pupils").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(school.Mother.ToString(), Assert.Single(session.GetProperty("guardians").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal("builtin", session.GetProperty("provider").GetString());
        Assert.Equal(created.GetRawText(), session.GetRawText());
    }

    [Fact]
    public async Task ThePreBookingCheckJudgesWithoutWriting()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var good = await Api.JsonAsync(await client.PostAsJsonAsync("/api/v1/sessions/check", school.Booking(Utc(2026, 12, 3, 10))), HttpStatusCode.OK);
        var bad = await Api.JsonAsync(await client.PostAsJsonAsync("/api/v1/sessions/check", school.Booking(Utc(2026, 12, 5, 10))), HttpStatusCode.OK);

        Assert.True(good.GetProperty("allowed").GetBoolean());
        Assert.False(bad.GetProperty("allowed").GetBoolean());
        Assert.Contains(bad.GetProperty("violations").EnumerateArray(), v => v.GetProperty("clause").GetInt32() == 3);
        Assert.Equal(12, good.GetProperty("clauses").GetArrayLength());
        Assert.Equal(0, await school.SessionCountAsync(app));
    }
}

public sealed class BookingRulesApiOnSqlite(ChaperoneApp app) : BookingRulesApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class BookingRulesApiOnPostgres(PostgresChaperoneApp app) : BookingRulesApiTests(app), IClassFixture<PostgresChaperoneApp>;
