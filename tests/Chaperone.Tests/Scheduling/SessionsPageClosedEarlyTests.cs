using System.Net;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The sessions page files a session whose call was closed before its booked end under "Past", as
/// the compliance dashboard counts it as over, not under "Upcoming". The calls move the clock on,
/// so each database has an app of its own.
/// </summary>
public abstract class SessionsPageClosedEarlyTests(ChaperoneApp app)
{
    [Fact]
    public async Task ACallClosedBeforeItsBookedEndIsListedAsPastNotUpcoming()
    {
        var school = await TestSchool.CreateAsync(app);
        var (closed, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Finished early.");
        var teacher = await school.TeacherAsync(app);
        var end = (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{closed}"), HttpStatusCode.OK)).GetProperty("end").GetDateTimeOffset();
        Assert.True(app.Clock.GetUtcNow() < end, "The call should end before its booked end.");
        var toCome = await TestSchool.BookOkAsync(teacher, school.Booking(CallClient.NextSessionStart(app)));

        var page = await teacher.GetStringAsync("/sessions");

        var upcomingAt = page.IndexOf("id=\"upcoming-title\"", StringComparison.Ordinal);
        var pastAt = page.IndexOf("id=\"past-title\"", StringComparison.Ordinal);
        Assert.True(upcomingAt > 0 && pastAt > upcomingAt, "The page has no lists of upcoming and past sessions.");
        var (upcoming, past) = (page[upcomingAt..pastAt], page[pastAt..]);
        Assert.DoesNotContain($"/sessions/{closed}", upcoming, StringComparison.Ordinal);
        Assert.Contains($"/sessions/{closed}", past, StringComparison.Ordinal);
        Assert.Contains($"/sessions/{toCome}", upcoming, StringComparison.Ordinal);
        Assert.DoesNotContain($"/sessions/{toCome}", past, StringComparison.Ordinal);
    }
}

public sealed class SessionsPageClosedEarlyOnSqlite(ChaperoneApp app) : SessionsPageClosedEarlyTests(app), IClassFixture<ChaperoneApp>;

public sealed class SessionsPageClosedEarlyOnPostgres(PostgresChaperoneApp app) : SessionsPageClosedEarlyTests(app), IClassFixture<PostgresChaperoneApp>;
