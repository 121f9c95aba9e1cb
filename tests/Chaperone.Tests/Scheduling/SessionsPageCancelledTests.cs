using System.Net;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The sessions page does not list a cancelled session among the calls to come: until its time
/// has passed it is under "Cancelled" (after "Upcoming"), with the reason the families were given,
/// for its teacher and for leaders; then under "Past", still marked cancelled with its reason.
/// The clock moves on, so each database has an app of its own.
/// </summary>
public abstract class SessionsPageCancelledTests(ChaperoneApp app)
{
    [Fact]
    public async Task ACancelledSessionIsListedUnderCancelledWithItsReasonNotUnderUpcoming()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = CallClient.NextSessionStart(app);
        var toCome = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var firstCancelled = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddDays(7)));
        var lastCancelled = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddDays(14)));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, lastCancelled, "The class trip moved to this day.")).StatusCode);
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, firstCancelled, "Mr Teacher is on a course.")).StatusCode);

        foreach (var reader in new[] { teacher, await school.SltAsync(app) })
        {
            var (upcoming, cancelled, past) = Lists(await reader.GetStringAsync("/sessions"));
            Assert.Contains($"/sessions/{toCome}", upcoming, StringComparison.Ordinal);
            Assert.DoesNotContain($"/sessions/{firstCancelled}", upcoming, StringComparison.Ordinal);
            Assert.DoesNotContain($"/sessions/{lastCancelled}", upcoming, StringComparison.Ordinal);
            Assert.DoesNotContain($"/sessions/{toCome}", cancelled, StringComparison.Ordinal);
            // The latest cancelled first, each with its reason.
            var first = cancelled.IndexOf($"/sessions/{firstCancelled}", StringComparison.Ordinal);
            var last = cancelled.IndexOf($"/sessions/{lastCancelled}", StringComparison.Ordinal);
            Assert.True(first > 0 && last > first, "The cancelled sessions are not listed, the latest cancelled first.");
            Assert.Contains("Mr Teacher is on a course.", cancelled[first..last], StringComparison.Ordinal);
            Assert.Contains("The class trip moved to this day.", cancelled[last..], StringComparison.Ordinal);
            Assert.DoesNotContain($"/sessions/{firstCancelled}", past, StringComparison.Ordinal);
        }

        // Once its time has passed, a cancelled session is history: under "Past", marked cancelled, with its reason.
        app.Clock.SetUtcNow(start.AddDays(7).AddHours(2));
        var later = await school.TeacherAsync(app);
        var (upcomingLater, cancelledLater, pastLater) = Lists(await later.GetStringAsync("/sessions"));
        Assert.DoesNotContain($"/sessions/{firstCancelled}", upcomingLater + cancelledLater, StringComparison.Ordinal);
        var row = pastLater[pastLater.IndexOf($"/sessions/{firstCancelled}", StringComparison.Ordinal)..];
        Assert.Contains("Mr Teacher is on a course.", row[..row.IndexOf("</tr>", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains($"/sessions/{lastCancelled}", cancelledLater, StringComparison.Ordinal);
    }

    /// <summary>The page's "Upcoming", "Cancelled" (empty when it has none) and "Past" sections.</summary>
    private static (string Upcoming, string Cancelled, string Past) Lists(string page)
    {
        var upcomingAt = page.IndexOf("id=\"upcoming-title\"", StringComparison.Ordinal);
        var cancelledAt = page.IndexOf("id=\"cancelled-title\"", StringComparison.Ordinal);
        var pastAt = page.IndexOf("id=\"past-title\"", StringComparison.Ordinal);
        Assert.True(upcomingAt > 0 && pastAt > upcomingAt, "The page has no lists of upcoming and past sessions.");
        if (cancelledAt < 0)
        {
            return (page[upcomingAt..pastAt], "", page[pastAt..]);
        }
        Assert.True(cancelledAt > upcomingAt && pastAt > cancelledAt, "The cancelled sessions are not between the upcoming and the past ones.");
        return (page[upcomingAt..cancelledAt], page[cancelledAt..pastAt], page[pastAt..]);
    }
}

public sealed class SessionsPageCancelledOnSqlite(ChaperoneApp app) : SessionsPageCancelledTests(app), IClassFixture<ChaperoneApp>;

public sealed class SessionsPageCancelledOnPostgres(PostgresChaperoneApp app) : SessionsPageCancelledTests(app), IClassFixture<PostgresChaperoneApp>;
