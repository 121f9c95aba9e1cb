using System.Text;
using Chaperone.Recordings;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Chaperone.Tests.Teams;

/// <summary>Teams recordings read through the organizer's recordings delta: pages, delta links kept between polls, expired tokens, one copy each.</summary>
public abstract class TeamsRecordingDeltaTests(TeamsApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private async Task<(TestSchool School, Guid SessionId, string User, string MeetingId)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        return (school, Guid.Parse(id), user, meetingId);
    }

    private static byte[] Video(string marker) => Encoding.ASCII.GetBytes("ftypmp42 " + string.Concat(Enumerable.Repeat(marker + " ", 2000)));

    private Task<TeamsOutcome> PollAsync(TestSchool school, Guid sessionId) =>
        app.WithTeamsAsync(t => t.ReadRecordingsAsync(school.SchoolId, sessionId, CancellationToken.None));

    /// <summary>The delta requests Graph received for the user, with the status each was answered with.</summary>
    private List<(string Url, int Status)> DeltaRequests(string user) =>
        app.Graph.Server.LogEntries
            .Where(e => e.RequestMessage.Path.Contains($"/users/{user}/onlineMeetings/getAllRecordings(", StringComparison.Ordinal))
            .OrderBy(e => e.RequestMessage.DateTime)
            .Select(e => (e.RequestMessage.Url, Convert.ToInt32(e.ResponseMessage.StatusCode, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    private int ContentRequests(string user, string recordingId) =>
        app.Graph.Server.LogEntries.Count(e => e.RequestMessage.Path.StartsWith(GraphOnLoopback.P($"/users/{user}/onlineMeetings/"), StringComparison.Ordinal)
            && e.RequestMessage.Path.EndsWith($"/recordings/{recordingId}/content", StringComparison.Ordinal));

    private async Task<List<(string GraphId, byte[] Plain)>> CopiesAsync(Guid sessionId)
    {
        var rows = await app.WithDbAsync(db => Task.FromResult(db.Set<Recording>().Where(r => r.SessionId == sessionId).OrderBy(r => r.StartedAt).ThenBy(r => r.ProviderRecordingId).ToList()));
        var store = app.Services.GetRequiredService<RecordingStore>();
        var copies = new List<(string, byte[])>();
        foreach (var row in rows)
        {
            copies.Add((row.ProviderRecordingId!, await store.PlainAsync(row)));
        }
        return copies;
    }

    private Task<TeamsRecordingCursor> CursorAsync(TestSchool school, string user) =>
        app.WithDbAsync(db => Task.FromResult(db.Set<TeamsRecordingCursor>().Single(c => c.SchoolId == school.SchoolId && c.OrganizerUserId == user)));

    [Fact]
    public async Task TheFirstPollFollowsNextLinksAndKeepsTheDeltaLinkTheSecondGetsOnlyTheNewRecording()
    {
        var (school, sessionId, user, meetingId) = await BookedAsync();
        // The organizer's other meeting (not one of Chaperone's) has a recording too: it is passed over.
        app.Graph.PublishRecording(user, "MSo-staff-meeting", "rec-staff", Video("staff-meeting"), Thursday10.AddHours(2));
        app.Graph.PublishRecording(user, meetingId, "rec-1", Video("first-part"));

        var first = await PollAsync(school, sessionId);

        Assert.IsType<TeamsOutcome.Done>(first);
        var round1 = DeltaRequests(user);
        Assert.Equal(2, round1.Count);
        Assert.Contains("startDateTime=", round1[0].Url, StringComparison.Ordinal);
        Assert.DoesNotContain("token", round1[0].Url, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("$skiptoken=", round1[1].Url, StringComparison.Ordinal);
        var copies = await CopiesAsync(sessionId);
        Assert.Equal("rec-1", Assert.Single(copies).GraphId);
        Assert.Equal(Video("first-part"), copies[0].Plain);
        Assert.Equal(0, ContentRequests(user, "rec-staff"));
        var cursor = await CursorAsync(school, user);
        Assert.Contains("$deltatoken=", cursor.DeltaLink, StringComparison.Ordinal);

        // The meeting was restarted: Teams publishes a second recording.
        app.Graph.PublishRecording(user, meetingId, "rec-2", Video("second-part"), Thursday10.AddMinutes(20));

        var second = await PollAsync(school, sessionId);

        Assert.IsType<TeamsOutcome.Done>(second);
        var round2 = DeltaRequests(user).Skip(round1.Count).ToList();
        Assert.Equal(cursor.DeltaLink, Assert.Single(round2).Url);
        Assert.Equal(["rec-1", "rec-2"], (await CopiesAsync(sessionId)).Select(c => c.GraphId));
        Assert.Equal(Video("second-part"), (await CopiesAsync(sessionId))[1].Plain);

        await PollAsync(school, sessionId);

        Assert.Equal(2, (await CopiesAsync(sessionId)).Count);
        Assert.Equal(1, ContentRequests(user, "rec-1"));
        Assert.Equal(1, ContentRequests(user, "rec-2"));
    }

    [Fact]
    public async Task AnExpiredDeltaTokenStartsARoundAgainFromAStartDateAndCopiesNothingTwice()
    {
        var (school, sessionId, user, meetingId) = await BookedAsync();
        app.Graph.PublishRecording(user, meetingId, "rec-1", Video("first-part"));
        await PollAsync(school, sessionId);
        var expired = (await CursorAsync(school, user)).DeltaLink!;
        app.Graph.ExpireDeltaToken(user, expired[(expired.IndexOf("$deltatoken=", StringComparison.Ordinal) + "$deltatoken=".Length)..]);
        app.Graph.PublishRecording(user, meetingId, "rec-2", Video("second-part"), Thursday10.AddMinutes(20));
        var before = DeltaRequests(user).Count;

        var outcome = await PollAsync(school, sessionId);

        Assert.IsType<TeamsOutcome.Done>(outcome);
        var requests = DeltaRequests(user).Skip(before).ToList();
        Assert.Equal((expired, 410), requests[0]);
        Assert.Contains("startDateTime=", requests[1].Url, StringComparison.Ordinal);
        Assert.All(requests.Skip(1), r => Assert.Equal(200, r.Status));
        Assert.Equal(["rec-1", "rec-2"], (await CopiesAsync(sessionId)).Select(c => c.GraphId));
        Assert.Equal(1, ContentRequests(user, "rec-1"));
        var fresh = (await CursorAsync(school, user)).DeltaLink;
        Assert.NotEqual(expired, fresh);
        Assert.Contains("$deltatoken=", fresh, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AThrottledDeltaPageIsRetriedAfterRetryAfter()
    {
        var (school, sessionId, user, meetingId) = await BookedAsync();
        app.Graph.PublishRecording(user, meetingId, "rec-1", Video("first-part"));
        app.Graph.Server.Given(Request.Create().WithPath(new WildcardMatcher(GraphOnLoopback.DeltaPath(user))).UsingGet()).AtPriority(1)
            .InScenario("throttle delta " + user).WillSetStateTo("throttled")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "2")
                .WithHeader("Content-Type", "application/json").WithBodyAsJson(new { error = new { code = "TooManyRequests", message = "Too many requests." } }));

        // The retry waits on the app's clock (the test's fake one), so the wait can be watched.
        var poll = PollAsync(school, sessionId);
        var waited = TimeSpan.Zero;
        while (DeltaRequests(user).Count < 2 && waited < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
            if (DeltaRequests(user).Count == 1)
            {
                app.Clock.Advance(TimeSpan.FromMilliseconds(250));
                waited += TimeSpan.FromMilliseconds(250);
            }
        }
        var outcome = await poll.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.IsType<TeamsOutcome.Done>(outcome);
        Assert.True(waited >= TimeSpan.FromSeconds(2), $"Retried after {waited.TotalSeconds} s of the app's time; Retry-After said 2 s.");
        Assert.Equal([429, 200], DeltaRequests(user).Take(2).Select(r => r.Status));
        Assert.Equal("rec-1", Assert.Single(await CopiesAsync(sessionId)).GraphId);
    }
}

public sealed class TeamsRecordingDeltaOnSqlite(TeamsApp app) : TeamsRecordingDeltaTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsRecordingDeltaOnPostgres(PostgresTeamsApp app) : TeamsRecordingDeltaTests(app), IClassFixture<PostgresTeamsApp>;
