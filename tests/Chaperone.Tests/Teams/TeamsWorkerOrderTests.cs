using System.Net;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Chaperone.Tests.Teams;

/// <summary>
/// The Teams worker takes at most 50 meetings a pass. A meeting still to be made for a session
/// ahead comes before past sessions' meetings waiting to be locked, however many of those there are.
/// </summary>
public sealed class TeamsWorkerOrderTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task AMeetingStillToBeMadeIsNotCrowdedOutByFiftyMeetingsToLock()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        // Fifty-five sessions from Thursday 3 December, every half hour of the school day (made first, so first in the tables).
        var day = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var booked = 0;
        while (booked < 55)
        {
            if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                for (var slot = 0; slot < 12 && booked < 55; slot++, booked++)
                {
                    await TestSchool.BookOkAsync(teacher, school.Booking(day.AddMinutes(30 * slot)));
                }
            }
            day = day.AddDays(1);
        }
        // All of them are over, and their meetings wait to be locked.
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 11, 16, 0, 0, TimeSpan.Zero));
        // A new session whose meeting cannot be made now (Graph refuses), so it waits for the worker.
        app.Graph.ServeError($"/users/{user}/events", "POST", 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        using var later = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(later, school.Booking(new DateTimeOffset(2026, 12, 15, 10, 0, 0, TimeSpan.Zero)));
        Assert.Equal("pending", (await Api.JsonAsync(await later.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK)).GetProperty("state").GetString());
        app.Graph.Server.Given(Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}/events")).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBodyAsJson(new { id = "AAMk-later", onlineMeeting = new { joinUrl = "https://teams.microsoft.com/l/meetup-join/later" } }));
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        await app.Services.GetRequiredService<TeamsWorker>().RunOnceAsync(CancellationToken.None);

        Assert.Equal("created", (await Api.JsonAsync(await later.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK)).GetProperty("state").GetString());
        // The pass still locked as many of the past meetings as it had room for.
        var locked = await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().Count(m => m.SchoolId == school.SchoolId && m.State == TeamsMeetingState.Locked)));
        Assert.Equal(49, locked);
        // The pass's query says its order, so EF has no row limit without one to warn of.
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Query", StringComparison.Ordinal));
    }
}
