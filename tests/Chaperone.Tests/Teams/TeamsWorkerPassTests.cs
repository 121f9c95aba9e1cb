using System.Net;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Chaperone.Tests.Teams;

/// <summary>
/// The Teams worker takes at most 50 meetings a pass. A meeting still to be made for a session
/// ahead comes before past sessions' meetings waiting to be locked, however many of those there are.
/// </summary>
public sealed class TeamsWorkerPassTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task AMeetingStillToBeMadeIsNotCrowdedOutByFiftyMeetingsToLock()
    {
        var (school, user, _) = await ManySessions.SchoolOnTeamsAsync(app);
        using var teacher = await school.TeacherAsync(app);
        // Fifty-five sessions over five school days (made first, so first in the tables).
        var (_, last) = await ManySessions.BookAsync(app, school, teacher, 55);
        // All of them are over, and their meetings wait to be locked.
        app.Clock.SetUtcNow(last.AddHours(2));
        // A new session whose meeting cannot be made now (Graph refuses), so it waits for the worker.
        app.Graph.ServeError($"/users/{user}/events", "POST", 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        using var later = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(later, school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10)));
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

/// <summary>A meeting whose step failed is left alone until its back-off has passed, whatever the step (an app of its own, so no other school's meetings share its passes).</summary>
public sealed class TeamsWorkerBackOffTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task AFailedReadOfAttendanceIsNotRetriedBeforeItsBackOff()
    {
        var (school, user, meetingId) = await ManySessions.SchoolOnTeamsAsync(app);
        using var teacher = await school.TeacherAsync(app);
        // The worker's passes are driven by this test (the app's worker is off), and the clock is shared with the other test.
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 14);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        // Teams refuses the attendance reports (a permission taken away), while the recordings are read as ever (none yet).
        app.Graph.ServeError($"/users/{user}/onlineMeetings/{meetingId}/attendanceReports", "GET", 403, "Forbidden", "Missing role permissions on the request.");
        var worker = app.Services.GetRequiredService<TeamsWorker>();
        int AttendanceReads() => app.Graph.Requests(user).Count(r => r.Method == "GET" && r.Path.EndsWith("/attendanceReports", StringComparison.Ordinal));
        app.Clock.SetUtcNow(start.AddMinutes(50));
        using var after = await school.TeacherAsync(app);
        await worker.RunOnceAsync(CancellationToken.None); // locks the meeting
        Assert.Equal("locked", (await Api.JsonAsync(await after.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK)).GetProperty("state").GetString());

        await worker.RunOnceAsync(CancellationToken.None); // reads the reports, and is refused
        var afterFirst = AttendanceReads();
        await worker.RunOnceAsync(CancellationToken.None);
        app.Clock.Advance(TimeSpan.FromSeconds(50));
        await worker.RunOnceAsync(CancellationToken.None);
        var withinBackOff = AttendanceReads();
        // The back-off is at most an hour.
        app.Clock.Advance(TimeSpan.FromMinutes(60));
        await worker.RunOnceAsync(CancellationToken.None);

        Assert.True(afterFirst >= 1, $"the reports were read {afterFirst} times");
        Assert.Equal(afterFirst, withinBackOff);
        Assert.True(AttendanceReads() > withinBackOff, "after its back-off the meeting is tried again");
        using var hourLater = await school.TeacherAsync(app);
        var meeting = await Api.JsonAsync(await hourLater.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("locked", meeting.GetProperty("state").GetString());
    }
}

/// <summary>A read that succeeds after one that failed starts the back-off over (an app of its own, so no other school's meetings share its passes).</summary>
public sealed class TeamsWorkerRecoveryTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task AReadThatSucceedsAfterARefusalLeavesNoBackOffBehind()
    {
        var (school, user, meetingId) = await ManySessions.SchoolOnTeamsAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 14);
        var id = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start)));
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", (start, start.AddMinutes(30)))]);
        // Teams refuses the first read of attendance, and answers the next.
        app.Graph.RefuseOnce($"/users/{user}/onlineMeetings/{meetingId}/attendanceReports", "GET", 403, "Forbidden", "Missing role permissions on the request.");
        var worker = app.Services.GetRequiredService<TeamsWorker>();
        Task<TeamsMeeting> MeetingAsync() => app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().AsNoTracking().Single(m => m.SessionId == id)));
        app.Clock.SetUtcNow(start.AddMinutes(50));
        await worker.RunOnceAsync(CancellationToken.None); // locks the meeting
        await worker.RunOnceAsync(CancellationToken.None); // reads the reports, and is refused
        Assert.Equal((1, null), ((await MeetingAsync()).Attempts, (await MeetingAsync()).AttendanceReadAt));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await worker.RunOnceAsync(CancellationToken.None);

        var meeting = await MeetingAsync();
        Assert.NotNull(meeting.AttendanceReadAt);
        Assert.Equal(0, meeting.Attempts);
    }
}

/// <summary>
/// Meetings waiting for their reports take turns: more than a pass's worth of them that keep
/// failing do not keep the newest from being tried (an app of its own, so no other school's
/// meetings share its passes).
/// </summary>
public sealed class TeamsWorkerReportTurnsTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task TheNewestMeetingIsTriedBeforeOlderOnesAreTriedAgain()
    {
        var (school, user, meetingId) = await ManySessions.SchoolOnTeamsAsync(app);
        // Teams refuses every read of attendance (a permission taken away).
        app.Graph.ServeError($"/users/{user}/onlineMeetings/{meetingId}/attendanceReports", "GET", 403, "Forbidden", "Missing role permissions on the request.");
        using var teacher = await school.TeacherAsync(app);
        // Fifty-one sessions, one more than a pass takes.
        var (newest, last) = await ManySessions.BookAsync(app, school, teacher, 51);
        app.Clock.SetUtcNow(last.AddHours(2));
        var worker = app.Services.GetRequiredService<TeamsWorker>();
        bool Tried(Guid session) => app.Logs.Entries.Any(e => e.Message.Contains($"Teams step for session {session} failed", StringComparison.Ordinal));
        await worker.RunOnceAsync(CancellationToken.None); // locks fifty
        await worker.RunOnceAsync(CancellationToken.None); // locks the newest, and tries the reports of the 49 oldest
        Assert.False(Tried(newest));

        // Their back-off over, all 51 wait; the two not tried yet come before those tried already.
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await worker.RunOnceAsync(CancellationToken.None);

        Assert.True(Tried(newest));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Query", StringComparison.Ordinal));
    }
}

/// <summary>
/// One poll of an organizer's recordings serves all of that organizer's meetings, so all of them
/// have had their turn (an app of its own, so no other school's meetings share its passes).
/// </summary>
public sealed class TeamsWorkerRecordingTurnsTests(TeamsApp app) : IClassFixture<TeamsApp>
{
    [Fact]
    public async Task EveryMeetingAnOrganizersPollServedWaitsBehindTheOthers()
    {
        var (school, user, meetingId) = await ManySessions.SchoolOnTeamsAsync(app);
        // An attendance report for each meeting, and no recording yet.
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 9);
        var sessions = new List<Guid>();
        for (var slot = 0; slot < 3; slot++)
        {
            sessions.Add(Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start.AddMinutes(30 * slot)))));
        }
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", (start, start.AddMinutes(30)))]);
        app.Clock.SetUtcNow(start.AddHours(3));
        var worker = app.Services.GetRequiredService<TeamsWorker>();
        await worker.RunOnceAsync(CancellationToken.None); // locks the three
        await worker.RunOnceAsync(CancellationToken.None); // reads their attendance, and polls for recordings once
        var turns = await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().Where(m => sessions.Contains(m.SessionId)).ToList()));
        Assert.All(turns, m => Assert.NotNull(m.AttendanceReadAt));
        Assert.All(turns, m => Assert.Null(m.RecordingsReadAt));

        // Only recordings are awaited now: one poll, and all three have had their turn.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var pass = app.Clock.GetUtcNow();
        var polls = app.Graph.Requests(user).Count(r => r.Path.Contains("getAllRecordings", StringComparison.Ordinal));
        await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(polls + 1, app.Graph.Requests(user).Count(r => r.Path.Contains("getAllRecordings", StringComparison.Ordinal)));
        turns = await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().AsNoTracking().Where(m => sessions.Contains(m.SessionId)).ToList()));
        Assert.All(turns, m => Assert.Equal(pass, m.NextAttemptAt));
    }
}

/// <summary>A school on Teams, and sessions enough to fill more than a pass of the worker.</summary>
internal static class ManySessions
{
    /// <summary>A new school using Teams, with its teacher's Microsoft 365 account, the meeting Graph makes for every session, and the teacher's recordings (none yet).</summary>
    public static async Task<(TestSchool School, string User, string MeetingId)> SchoolOnTeamsAsync(TeamsApp app)
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        app.Graph.RecordingsDeltaOf(user);
        return (school, user, meetingId);
    }

    /// <summary>Books <paramref name="count"/> sessions, every half hour of the school days from the day after tomorrow; answers the last one and its start.</summary>
    public static async Task<(Guid Last, DateTimeOffset Start)> BookAsync(ChaperoneApp app, TestSchool school, HttpClient teacher, int count)
    {
        var day = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 9);
        var (last, start) = (Guid.Empty, day);
        for (var booked = 0; booked < count; day = Api.NextWeekdayAt(day.AddDays(1), 9))
        {
            for (var slot = 0; slot < 12 && booked < count; slot++, booked++)
            {
                start = day.AddMinutes(30 * slot);
                last = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start)));
            }
        }
        return (last, start);
    }
}
