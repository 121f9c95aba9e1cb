using System.Net;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// Clause 8's 48 hours to the second. These tests move the shared clock forward (never back), so
/// every time here is worked out from the clock as it stands, and clients sign in after it moves.
/// </summary>
public abstract class NoticeApiTests(ChaperoneApp app)
{
    [Fact]
    public async Task BookingExactly48HoursAheadIsAllowed()
    {
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        app.Clock.SetUtcNow(start.AddHours(-48));
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(start));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Booking47Hours59Minutes59SecondsAheadIsRefusedUnderClause8()
    {
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        app.Clock.SetUtcNow(start.AddHours(-48).AddSeconds(1));
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(start));

        Assert.Equal([(8, "minimum-notice")], await Api.ViolationsAsync(response));
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task AStartInThePastIsRefusedNamingTheStart()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var yesterday = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(-7), 10);

        var response = await TestSchool.BookAsync(client, school.Booking(yesterday));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("violations").EnumerateArray(),
            v => v.GetProperty("clause").GetInt32() == 8 && v.GetProperty("field").GetString() == "start");
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task NoticeCountsElapsedHoursAcrossTheClockChange()
    {
        // Booked on Saturday 27 March 2027 at 09:00 GMT (09:00Z) for Monday 29 March at 09:00 BST (08:00Z):
        // 47 elapsed hours, though the wall clocks say 48.
        var school = await TestSchool.CreateAsync(app);
        var bookedAt = new DateTimeOffset(2027, 3, 27, 9, 0, 0, TimeSpan.Zero);
        Assert.True(app.Clock.GetUtcNow() <= bookedAt, "The other tests here move the clock by days, not months.");
        app.Clock.SetUtcNow(bookedAt);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Api.InLondon(2027, 3, 29, 9)));
        var justEnough = await TestSchool.BookAsync(client, school.Booking(Api.InLondon(2027, 3, 29, 10)));

        Assert.Equal([(8, "minimum-notice")], await Api.ViolationsAsync(response));
        Assert.Equal(HttpStatusCode.Created, justEnough.StatusCode);
    }
}

public sealed class NoticeApiOnSqlite(ChaperoneApp app) : NoticeApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class NoticeApiOnPostgres(PostgresChaperoneApp app) : NoticeApiTests(app), IClassFixture<PostgresChaperoneApp>;
