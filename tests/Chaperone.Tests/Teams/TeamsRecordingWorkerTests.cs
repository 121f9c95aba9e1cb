using Chaperone.Recordings;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Teams;

/// <summary>The worker reads a Teams session's recordings through the organizer's delta once the meeting is locked, and stops when they are in. (Its own app: the clock moves past the session.)</summary>
public abstract class TeamsRecordingWorkerTests(TeamsApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AfterTheSessionTheWorkerCopiesTheRecordingThroughTheDeltaAndThenStopsAskingForIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10)));
        app.Graph.PublishRecording(user, meetingId, "rec-1", "ftypmp42 the session"u8.ToArray());
        var worker = app.Services.GetRequiredService<TeamsWorker>();
        int DeltaRequests() => app.Graph.Requests(user).Count(r => r.Path.Contains("/onlineMeetings/getAllRecordings(", StringComparison.Ordinal));

        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, DeltaRequests()); // before the session nothing is read

        app.Clock.SetUtcNow(Thursday10.AddMinutes(30) + TeamsWorker.AfterEnd + TimeSpan.FromMinutes(1));
        await worker.RunOnceAsync(CancellationToken.None); // locks the meeting
        await worker.RunOnceAsync(CancellationToken.None); // reads attendance (not in yet) and recordings

        Assert.Equal(1, DeltaRequests());
        var copied = await app.WithDbAsync(db => Task.FromResult(db.Set<Recording>().Where(r => r.SessionId == sessionId).Select(r => r.ProviderRecordingId!).ToList()));
        Assert.Equal(["rec-1"], copied);
        Assert.NotNull(await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().Single(m => m.SessionId == sessionId).RecordingsReadAt)));

        await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, DeltaRequests());
    }
}

public sealed class TeamsRecordingWorkerOnSqlite(TeamsApp app) : TeamsRecordingWorkerTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsRecordingWorkerOnPostgres(PostgresTeamsApp app) : TeamsRecordingWorkerTests(app), IClassFixture<PostgresTeamsApp>;
