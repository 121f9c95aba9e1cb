using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// Moving a session re-checks every rule from the moment of moving. These tests move the shared
/// clock forward, so times are worked out from the clock as it stands and clients sign in after it moves.
/// </summary>
public abstract class RescheduleApiTests(ChaperoneApp app)
{
    private DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task RescheduleWithin48HoursOfNowIsRefusedEvenThoughTheOriginalWasBookedInTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var original = Api.NextWeekdayAt(Now.AddHours(72), 10);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(original));
        app.Clock.SetUtcNow(original.AddHours(-24));
        var client = await school.TeacherAsync(app);

        var response = await Api.RescheduleAsync(client, id, original.AddHours(1));

        Assert.Equal([(8, "minimum-notice")], await Api.ViolationsAsync(response));
        var session = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal(original, session.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(0, session.GetProperty("sequence").GetInt32());
    }

    [Fact]
    public async Task RescheduleIncrementsTheSequenceAndMovesTheSession()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var original = Api.NextWeekdayAt(Now.AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(client, school.Booking(original));
        var later = Api.NextWeekdayAt(original.AddDays(1), 13);

        var first = await Api.JsonAsync(await Api.RescheduleAsync(client, id, later, 45), HttpStatusCode.OK);
        var second = await Api.JsonAsync(await Api.RescheduleAsync(client, id, later.AddHours(1), 20), HttpStatusCode.OK);

        Assert.Equal(1, first.GetProperty("sequence").GetInt32());
        Assert.Equal(later, first.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(later.AddMinutes(45), first.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(2, second.GetProperty("sequence").GetInt32());
        Assert.Equal(20, second.GetProperty("durationMinutes").GetInt32());
        var fetched = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal(later.AddHours(1), fetched.GetProperty("start").GetDateTimeOffset());
        Assert.Equal("scheduled", fetched.GetProperty("status").GetString());
    }

    [Fact]
    public async Task LoadingASessionWithItsPupilsAndGuardiansRaisesNoQueryWarning()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Api.NextWeekdayAt(Now.AddHours(50), 10)));

        // A reschedule loads the session with both of its collections; the list and the detail project them.
        await Api.JsonAsync(await Api.RescheduleAsync(client, id, Api.NextWeekdayAt(Now.AddHours(50), 11)), HttpStatusCode.OK);
        await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        await Api.JsonAsync(await client.GetAsync("/api/v1/sessions"), HttpStatusCode.OK);

        // The app says how it loads collections (in one query), so EF has nothing to warn of.
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Query", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RescheduleChecksEveryTimeRuleAndReportsThemAll()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Api.NextWeekdayAt(Now.AddHours(50), 10)));
        var saturdayEvening = Api.NextWeekdayAt(Now.AddHours(60), 10);
        while (saturdayEvening.DayOfWeek != DayOfWeek.Saturday)
        {
            saturdayEvening = saturdayEvening.AddDays(1);
        }
        saturdayEvening = saturdayEvening.AddHours(8);

        var response = await Api.RescheduleAsync(client, id, saturdayEvening, 500);

        var violations = await Api.ViolationsAsync(response);
        Assert.Contains((3, "school-day"), violations);
        Assert.Contains((3, "school-hours"), violations);
        Assert.Contains((3, "duration"), violations);
    }

    [Fact]
    public async Task ReschedulingACancelledSessionIsAConflictOfState()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(Now.AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(client, school.Booking(start));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(client, id)).StatusCode);

        var response = await Api.RescheduleAsync(client, id, start.AddHours(1));

        await Api.ProblemAsync(response, HttpStatusCode.Conflict);
        var session = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("cancelled", session.GetProperty("status").GetString());
        Assert.Equal(start, session.GetProperty("start").GetDateTimeOffset());
    }

    [Fact]
    public async Task ReschedulingOntoAnotherSessionOfTheSameTeacherIsAConflict()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(Now.AddHours(50), 10);
        var moving = await TestSchool.BookOkAsync(client, school.Booking(start));
        var other = await TestSchool.BookOkAsync(client, school.Booking(start.AddHours(2), school.SiblingA, school.SharedParent));

        var onto = await Api.RescheduleAsync(client, moving, start.AddHours(2).AddMinutes(10));
        var overlappingItself = await Api.RescheduleAsync(client, moving, start.AddMinutes(15));

        var problem = await Api.ProblemAsync(onto, HttpStatusCode.Conflict);
        Assert.Contains(problem.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("sessionId").GetString() == other);
        Assert.Equal(HttpStatusCode.OK, overlappingItself.StatusCode);
    }

    [Fact]
    public async Task ReschedulingOntoTheSharedParentsOtherSessionIsAConflict()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var start = Api.NextWeekdayAt(Now.AddHours(50), 10);
        await TestSchool.BookOkAsync(slt, school.Booking(start, school.SiblingA, school.SharedParent, teacher: school.TeacherId));
        var moving = await TestSchool.BookOkAsync(slt, school.Booking(start.AddHours(2), school.SiblingB, school.SharedParent, teacher: school.OtherTeacherId));

        var response = await Api.RescheduleAsync(slt, moving, start);

        await Api.ProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task RescheduleWithoutStartOrDurationIs400NamingTheFields()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Api.NextWeekdayAt(Now.AddHours(50), 10)));

        var empty = await client.PostAsJsonAsync($"/api/v1/sessions/{id}/reschedule", new { });
        var noOffset = await client.PostAsJsonAsync($"/api/v1/sessions/{id}/reschedule", new { start = "2027-01-06T10:00:00", durationMinutes = 30 });
        var garbageId = await Api.RescheduleAsync(client, "not-an-id", Now.AddDays(5));

        var fields = await Api.BadRequestFieldsAsync(empty);
        Assert.Contains("start", fields);
        Assert.Contains("durationMinutes", fields);
        Assert.Equal(["start"], await Api.BadRequestFieldsAsync(noOffset));
        await Api.ProblemAsync(garbageId, HttpStatusCode.NotFound);
    }
}

public sealed class RescheduleApiOnSqlite(ChaperoneApp app) : RescheduleApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class RescheduleApiOnPostgres(PostgresChaperoneApp app) : RescheduleApiTests(app), IClassFixture<PostgresChaperoneApp>;
