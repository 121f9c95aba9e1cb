using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using NodaTime;

namespace Chaperone.Tests.Scheduling;

/// <summary>The slot finder offers only times that book, and nothing the policy or a clash forbids.</summary>
public abstract class SlotsApiTests(ChaperoneApp app)
{
    private sealed record Slot(DateTimeOffset Start, DateTimeOffset End, string StartLocal);

    private static string Query(TestSchool school, string from, string to, Guid? pupil = null, Guid? guardian = null, Guid? teacher = null, int duration = 30) =>
        $"/api/v1/slots?teacherId={teacher ?? school.TeacherId}&pupilIds={pupil ?? school.TwoParentPupil}&guardianIds={guardian ?? school.Mother}&from={from}&to={to}&durationMinutes={duration}";

    private static async Task<List<Slot>> SlotsAsync(HttpClient client, string query)
    {
        var body = await Api.JsonAsync(await client.GetAsync(query), HttpStatusCode.OK);
        return body.GetProperty("slots").Deserialize<List<Slot>>(JsonSerializerOptions.Web)!;
    }

    private static void AssertInsidePolicy(IEnumerable<Slot> slots, DateTimeOffset now, int duration)
    {
        foreach (var slot in slots)
        {
            var start = Instant.FromDateTimeOffset(slot.Start).InZone(Api.London).LocalDateTime;
            var end = Instant.FromDateTimeOffset(slot.End).InZone(Api.London).LocalDateTime;
            Assert.True(slot.Start >= now.AddHours(48), $"{slot.Start} is under 48 hours from {now}");
            Assert.True(start.DayOfWeek is not (IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday), $"{slot.StartLocal} is at a weekend");
            Assert.True(start.TimeOfDay >= new LocalTime(9, 0), $"{slot.StartLocal} starts before 09:00");
            Assert.True(end.Date == start.Date && end.TimeOfDay <= new LocalTime(15, 0), $"{slot.StartLocal} ends after 15:00");
            Assert.Equal(duration, (slot.End - slot.Start).TotalMinutes);
        }
    }

    [Fact]
    public async Task EverySlotOfferedLiesInsideThePolicyAndTheFirstIsAtTheFortyEightHourMark()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var slots = await SlotsAsync(client, Query(school, "2026-11-30", "2026-12-08"));

        Assert.NotEmpty(slots);
        AssertInsidePolicy(slots, app.Clock.GetUtcNow(), 30);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero), slots[0].Start);
        Assert.Equal("2026-12-02T09:00:00+00:00", slots[0].StartLocal);
        Assert.Contains(slots, s => s.End == new DateTimeOffset(2026, 12, 2, 15, 0, 0, TimeSpan.Zero));
        Assert.DoesNotContain(slots, s => s.Start.Day is 5 or 6);
        // Wednesday to Friday and Monday to Tuesday, 09:00 to 14:30 in 15-minute steps: 23 a day.
        Assert.Equal(5 * 23, slots.Count);
    }

    [Fact]
    public async Task SlotsOfferedBookSuccessfully()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var slots = await SlotsAsync(client, Query(school, "2026-12-02", "2026-12-04"));

        var picks = new[] { slots[0], slots[slots.Count / 2], slots[^1] };
        Assert.Equal(3, picks.Select(p => p.Start.Date).Distinct().Count());
        foreach (var slot in picks)
        {
            var response = await TestSchool.BookAsync(client, school.Booking(slot.Start));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.Equal(3, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task SlotsAvoidEveryParticipantsExistingSessions()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var teacherBusy = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        var parentBusy = new DateTimeOffset(2026, 12, 2, 13, 0, 0, TimeSpan.Zero);
        await TestSchool.BookOkAsync(slt, school.Booking(teacherBusy, school.TwoParentPupil, school.Mother, teacher: school.TeacherId));
        await TestSchool.BookOkAsync(slt, school.Booking(parentBusy, school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId));

        var slots = await SlotsAsync(slt, Query(school, "2026-12-02", "2026-12-02", school.SiblingB, school.SharedParent));

        Assert.NotEmpty(slots);
        Assert.DoesNotContain(slots, s => s.Start < teacherBusy.AddMinutes(30) && s.End > teacherBusy);
        Assert.DoesNotContain(slots, s => s.Start < parentBusy.AddMinutes(30) && s.End > parentBusy);
        Assert.Contains(slots, s => s.Start == teacherBusy.AddMinutes(30));
        Assert.Contains(slots, s => s.End == teacherBusy);
        var afterTeacher = slots.First(s => s.Start == teacherBusy.AddMinutes(30));
        Assert.Equal(HttpStatusCode.Created, (await TestSchool.BookAsync(slt, school.Booking(afterTeacher.Start, school.SiblingB, school.SharedParent))).StatusCode);
    }

    [Fact]
    public async Task SlotsAvoidAPupilsSessionWithAnotherTeacherAndOtherParent()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        // Only the pupil is in this session: neither the teacher nor the parent asked about.
        var pupilBusy = new DateTimeOffset(2026, 12, 2, 11, 0, 0, TimeSpan.Zero);
        await TestSchool.BookOkAsync(slt, school.Booking(pupilBusy, school.TwoParentPupil, school.Mother, teacher: school.OtherTeacherId));

        var slots = await SlotsAsync(slt, Query(school, "2026-12-02", "2026-12-02", school.TwoParentPupil, school.Father));

        Assert.NotEmpty(slots);
        Assert.DoesNotContain(slots, s => s.Start < pupilBusy.AddMinutes(30) && s.End > pupilBusy);
        Assert.Contains(slots, s => s.Start == pupilBusy.AddMinutes(30));
    }

    [Fact]
    public async Task SlotsSkipClosuresAddedByTheAdmin()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.Created,
            (await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-03", reason = "INSET day" })).StatusCode);
        var client = await school.TeacherAsync(app);

        var slots = await SlotsAsync(client, Query(school, "2026-12-02", "2026-12-04"));

        Assert.NotEmpty(slots);
        Assert.DoesNotContain(slots, s => s.Start.Day == 3);
        Assert.Contains(slots, s => s.Start.Day == 2);
        Assert.Contains(slots, s => s.Start.Day == 4);
    }

    [Fact]
    public async Task SummerSlotsAreInBritishSummerTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var slots = await SlotsAsync(client, Query(school, "2027-03-26", "2027-03-29", duration: 60));

        AssertInsidePolicy(slots, app.Clock.GetUtcNow(), 60);
        Assert.Equal(new DateTimeOffset(2027, 3, 26, 9, 0, 0, TimeSpan.Zero), slots[0].Start);
        var monday = slots.Where(s => s.Start.Day == 29).ToList();
        Assert.Equal(new DateTimeOffset(2027, 3, 29, 8, 0, 0, TimeSpan.Zero), monday[0].Start);
        Assert.Equal("2027-03-29T09:00:00+01:00", monday[0].StartLocal);
        Assert.Equal(new DateTimeOffset(2027, 3, 29, 14, 0, 0, TimeSpan.Zero), monday[^1].End);
        Assert.Equal(HttpStatusCode.Created, (await TestSchool.BookAsync(client, school.Booking(monday[0].Start, durationMinutes: 60))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await TestSchool.BookAsync(client, school.Booking(monday[^1].Start, school.SiblingA, school.SharedParent, durationMinutes: 60))).StatusCode);
    }

    [Fact]
    public async Task SlotsExplainPeopleWhoCouldNeverBeBooked()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var body = await Api.JsonAsync(await client.GetAsync(Query(school, "2026-12-02", "2026-12-02", school.CarerOnlyPupil, school.CarerWithoutResponsibility)), HttpStatusCode.OK);

        Assert.Contains(body.GetProperty("violations").EnumerateArray(), v => v.GetProperty("clause").GetInt32() == 1);
        Assert.Empty(body.GetProperty("slots").EnumerateArray());
    }

    [Fact]
    public async Task NoSlotsAreOfferedToATeacherWhoCouldNotHost()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SltAsync(app);

        var body = await Api.JsonAsync(await client.GetAsync(Query(school, "2026-12-02", "2026-12-02", teacher: school.UnfamiliarTeacherId)), HttpStatusCode.OK);

        Assert.Equal(2, Assert.Single(body.GetProperty("violations").EnumerateArray()).GetProperty("clause").GetInt32());
        Assert.Empty(body.GetProperty("slots").EnumerateArray());
    }

    [Fact]
    public async Task SlotsWithNoPeopleRulesBrokenHaveNoViolations()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var body = await Api.JsonAsync(await client.GetAsync(Query(school, "2026-12-02", "2026-12-02")), HttpStatusCode.OK);

        Assert.Empty(body.GetProperty("violations").EnumerateArray());
        Assert.Equal("Europe/London", body.GetProperty("timeZone").GetString());
        Assert.Equal(30, body.GetProperty("durationMinutes").GetInt32());
    }

    [Theory]
    [InlineData("from=2026-12-04&to=2026-12-02", "to")]
    [InlineData("from=2026-12-01&to=2027-03-01", "to")]
    [InlineData("from=yesterday&to=2026-12-02", "from")]
    [InlineData("from=2026-12-02", "to")]
    [InlineData("from=2026-12-02&to=2026-12-03&durationMinutes=5", "durationMinutes")]
    [InlineData("from=2026-12-02&to=2026-12-03&durationMinutes=121", "durationMinutes")]
    [InlineData("from=2026-12-02&to=2026-12-03&durationMinutes=abc", "durationMinutes")]
    [InlineData("from=2026-12-02&to=2026-12-03&stepMinutes=0", "stepMinutes")]
    [InlineData("from=9999-12-30&to=9999-12-31", "to")]
    [InlineData("from=0001-01-01&to=0001-01-02", "from")]
    public async Task InvalidSlotQueriesAre400NamingTheField(string query, string field)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await client.GetAsync($"/api/v1/slots?teacherId={school.TeacherId}&pupilIds={school.TwoParentPupil}&guardianIds={school.Mother}&{query}");

        Assert.Contains(field, await Api.BadRequestFieldsAsync(response));
    }

    [Fact]
    public async Task SlotsWithoutATeacherIs400NamingTeacherId()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await client.GetAsync("/api/v1/slots?from=2026-12-02&to=2026-12-03");

        Assert.Contains("teacherId", await Api.BadRequestFieldsAsync(response));
    }
}

public sealed class SlotsApiOnSqlite(ChaperoneApp app) : SlotsApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class SlotsApiOnPostgres(PostgresChaperoneApp app) : SlotsApiTests(app), IClassFixture<PostgresChaperoneApp>;
