using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chaperone.Recordings;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Teams;

/// <summary>After a Teams call: attendance into verdicts, recordings into the encrypted store; and the connection test.</summary>
public abstract class TeamsAfterCallApiTests(TeamsApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static (DateTimeOffset, DateTimeOffset) Span(int fromMinute, int toMinute) => (Thursday10.AddMinutes(fromMinute), Thursday10.AddMinutes(toMinute));

    private async Task<(TestSchool School, HttpClient Teacher, string SessionId, string User, string MeetingId)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        return (school, teacher, id, user, meetingId);
    }

    private static async Task<Dictionary<int, string>> ComplianceAsync(HttpClient client, string id)
    {
        var report = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK);
        return report.GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32(), c => c.GetProperty("status").GetString()!);
    }

    [Fact]
    public async Task AttendanceThatArrivesLateIsPendingThenJudgedForClauses4And6FromMergedReports()
    {
        var (school, teacher, id, user, meetingId) = await BookedAsync();
        using var _ = teacher;
        app.Graph.ServeAttendance(user, meetingId);

        var early = await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Pending>(early);
        Assert.Equal("pending", (await ComplianceAsync(teacher, id))[6]);

        // Teams publishes two reports (the meeting was restarted), the second repeating part of the first.
        var mother = await app.WithDbAsync(db => Task.FromResult(db.Guardians.Single(g => g.Id == school.Mother).Email));
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", Span(0, 16)), GraphOnLoopback.Record(null, "Mia Mother", mother, "Attendee", Span(1, 15))],
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", Span(15, 31)), GraphOnLoopback.Record(null, "Mia Mother", mother, "Attendee", Span(10, 29))]);

        var judged = await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Done>(judged);
        var clauses = await ComplianceAsync(teacher, id);
        Assert.Equal("met", clauses[4]);
        Assert.Equal("met", clauses[6]);

        // The provider interface reports the same attendance (clause 11): the merged intervals as joins and leaves.
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
        var session = await db.Sessions.SingleAsync(s => s.Id == Guid.Parse(id));
        var provider = scope.ServiceProvider.GetRequiredService<Chaperone.Calls.CallProviderResolver>().For(session);
        Assert.IsType<TeamsCallProvider>(provider);
        var report = await provider.ReportAsync(session, CancellationToken.None);
        var motherTimes = report.Attendance.Where(a => a.Name == "Mia Mother").Select(a => (a.Change, a.At)).ToList();
        Assert.Equal([(Chaperone.Calls.RoomEvents.Joined, session.Start.AddMinutes(1)), (Chaperone.Calls.RoomEvents.Left, session.Start.AddMinutes(29))], motherTimes);
    }

    [Fact]
    public async Task ATeacherWhoLeftBeforeTheFamilyBreachesClause6OnTheRecord()
    {
        var (school, teacher, id, user, meetingId) = await BookedAsync();
        using var _ = teacher;
        var mother = await app.WithDbAsync(db => Task.FromResult(db.Guardians.Single(g => g.Id == school.Mother).Email));
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", Span(0, 20)), GraphOnLoopback.Record(null, "Mia Mother", mother, "Attendee", Span(1, 29))]);

        await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        var clauses = await ComplianceAsync(teacher, id);
        Assert.Equal("breached", clauses[6]);
        Assert.Equal("breached", clauses[4]);
    }

    [Fact]
    public async Task SomeoneNotInvitedInTheAttendanceSavesASafeguardingDraftForTheTeacherWhoIsEmailedWithoutItsContent()
    {
        var (school, teacher, id, user, meetingId) = await BookedAsync();
        using var _ = teacher;
        var mother = await app.WithDbAsync(db => Task.FromResult(db.Guardians.Single(g => g.Id == school.Mother).Email));
        app.Graph.ServeAttendance(user, meetingId,
        [
            GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", Span(0, 31)),
            GraphOnLoopback.Record(null, "Mia Mother", mother, "Attendee", Span(1, 29)),
            GraphOnLoopback.Record(null, "Sam Stranger", null, "Attendee", Span(5, 9)),
        ]);

        await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.Equal("breached", (await ComplianceAsync(teacher, id))[4]);
        // A safeguarding draft of the teacher's, naming whom Teams listed and when.
        var draft = await app.WithDbAsync(db => db.Set<Chaperone.Concerns.Concern>().Include(c => c.Pupils).AsNoTracking().SingleAsync(c => c.SessionId == Guid.Parse(id)));
        Assert.Equal(Chaperone.Concerns.ConcernStatus.Draft, draft.Status);
        Assert.Equal(Chaperone.Concerns.ConcernKind.Safeguarding, draft.Kind);
        Assert.Equal(school.TeacherId, draft.RaisedById);
        Assert.Equal([school.TwoParentPupil], draft.Pupils.Select(p => p.PupilId));
        Assert.Contains("Sam Stranger, in the call from", draft.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Mia Mother", draft.Detail, StringComparison.Ordinal);
        var mine = await Api.JsonAsync(await teacher.GetAsync("/api/v1/concerns"), HttpStatusCode.OK);
        Assert.Contains(mine.EnumerateArray(), c => c.GetProperty("id").GetString() == Chaperone.Infrastructure.Ids.Format(draft.Id) && c.GetProperty("status").GetString() == "draft");
        var entries = await app.WithDbAsync(db => db.Set<Chaperone.Concerns.ConcernEntry>().AsNoTracking().Where(e => e.ConcernId == draft.Id).ToListAsync());
        Assert.Equal("Chaperone", Assert.Single(entries).ActorName);
        // The teacher is told it waits, without what it says.
        var email = await app.WithDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.ConcernId == draft.Id));
        Assert.Equal(Chaperone.Notifications.MessageKind.ConcernDraftWaiting, email.Kind);
        Assert.Equal(school.TeacherId, email.RecipientId);
        Assert.Contains(draft.Reference, email.Subject, StringComparison.Ordinal);
        Assert.Contains("/concerns/new?draft=", email.Mime, StringComparison.Ordinal);
        Assert.DoesNotContain("Stranger", email.Mime, StringComparison.Ordinal);
        Assert.DoesNotContain("Toby", email.Mime, StringComparison.Ordinal);

        // Read again, the attendance is not judged twice, and no second draft is saved.
        await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Chaperone.Concerns.Concern>().CountAsync(c => c.SessionId == Guid.Parse(id))));
    }

    [Fact]
    public async Task InstancesReadingTheAttendanceAtOnceRecordItOnce()
    {
        var (school, teacher, id, user, meetingId) = await BookedAsync();
        using var _ = teacher;
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", Span(0, 31)), GraphOnLoopback.Record(null, "Sam Stranger", null, "Attendee", Span(5, 9))]);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None))));

        Assert.Equal(1, await app.WithDbAsync(db => db.Evidence.CountAsync(e => e.SessionId == Guid.Parse(id) && e.Stage == TeamsEvidence.Attendance)));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Chaperone.Concerns.Concern>().CountAsync(c => c.SessionId == Guid.Parse(id))));
        Assert.Equal(1, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SessionId == Guid.Parse(id) && m.Kind == Chaperone.Notifications.MessageKind.ConcernDraftWaiting)));
    }

    [Fact]
    public async Task ARecordingIsCopiedInEncryptedAndTeamsCopyIsDeletedAtRetention()
    {
        var (school, teacher, id, user, meetingId) = await BookedAsync();
        using var _ = teacher;
        var video = Encoding.ASCII.GetBytes("ftypmp42 " + string.Concat(Enumerable.Repeat("frame-of-the-session ", 5000)));
        var fileName = $"Support session with Toby Twoparents ({TeamsMeetings.Reference(Guid.Parse(id))})-20261203_100030-Meeting Recording.mp4";
        app.Graph.ServeRecording(user, meetingId, "rec-1", video, fileName);

        var copied = await app.WithTeamsAsync(t => t.ReadRecordingsAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Done>(copied);
        var row = await app.WithDbAsync(db => Task.FromResult(db.Set<Recording>().Single(r => r.SessionId == Guid.Parse(id))));
        Assert.Equal(video.Length, row.Bytes);
        Assert.Equal("teams", row.Provider);
        Assert.True(row.ProviderHoldsCopy);
        Assert.NotNull(row.WrappedKey);
        var store = app.Services.GetRequiredService<RecordingStore>();
        var chunk = RecordingStore.ChunkName(row, 0);
        var onDisk = (await store.Blobs.GetAsync(chunk, CancellationToken.None))!;
        Assert.Equal(-1, onDisk.AsSpan().IndexOf("frame-of-the-session"u8));
        Assert.Equal(video, await store.PlainAsync(row));
        onDisk[^5] ^= 0x01;
        await store.Blobs.PutAsync(chunk, onDisk, CancellationToken.None);
        await Assert.ThrowsAnyAsync<System.Security.Cryptography.CryptographicException>(() => store.PlainAsync(row));

        var deleted = await app.WithTeamsAsync(t => t.DeleteTeamsCopiesAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Done>(deleted);
        var deletes = app.Graph.Server.LogEntries.Where(e => e.RequestMessage.Method == "DELETE" && e.RequestMessage.Path.Contains("/drives/b!" + user[..8], StringComparison.Ordinal)).ToList();
        Assert.Equal(GraphOnLoopback.P($"/drives/b!{user[..8]}/items/item-rec"), Assert.Single(deletes).RequestMessage.Path);
    }

    [Fact]
    public async Task TheConnectionTestNamesAMissingPermissionAMissingAccessPolicyAndAMissingLicence()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        // The school's own app registration, whose admin consent lacks the attendance permission.
        var clientId = Guid.NewGuid().ToString();
        app.Graph.ServeTokens(clientId, GraphOnLoopback.AllRoles.Where(r => r != "OnlineMeetingArtifact.Read.All"));
        app.Graph.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}")).UsingGet()).AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "application/json")
                .WithBodyAsJson(new { id = user, userPrincipalName = "tess@school.test", assignedLicenses = Array.Empty<object>() }));
        app.Graph.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}/calendar")).UsingGet()).AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new { id = "cal" }));
        app.Graph.ServeError($"/users/{user}/onlineMeetings", "GET", 403, "Forbidden", "No application access policy found for this app.", priority: 1);
        using var admin = await school.AdminAsync(app);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new
        {
            defaultProvider = "teams", tenantId = GraphOnLoopback.TenantId, clientId, clientSecret = "the-schools-own-secret",
        })).EnsureSuccessStatusCode();

        var result = await Api.JsonAsync(await admin.PostAsync("/api/v1/teams/connection-test", null), HttpStatusCode.OK);

        Assert.False(result.GetProperty("ok").GetBoolean());
        var failed = result.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("ok").GetBoolean())
            .ToDictionary(c => c.GetProperty("check").GetString()!, c => c.GetProperty("message").GetString()!);
        Assert.Equal(3, failed.Count);
        Assert.Contains("OnlineMeetingArtifact.Read.All", failed["Permission OnlineMeetingArtifact.Read.All"], StringComparison.Ordinal);
        Assert.Contains("application access policy", failed[$"Online meetings of {user}"], StringComparison.Ordinal);
        Assert.Contains("no licence", failed[$"Account {user}"], StringComparison.Ordinal);
        var settings = await (await admin.GetAsync("/api/v1/teams/settings")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("the-schools-own-secret", settings, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(settings).RootElement.GetProperty("clientSecretSet").GetBoolean());
    }

    [Fact]
    public async Task AWrongClientSecretIsReportedAsATokenFailure()
    {
        var school = await TestSchool.CreateAsync(app);
        await app.UseTeamsAsync(school);
        var clientId = Guid.NewGuid().ToString();
        app.Graph.Login.Given(WireMock.RequestBuilders.Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/*/oauth2/v2.0/token")).UsingPost()
                .WithBody(new WireMock.Matchers.RegexMatcher($"client_id={clientId}"))).AtPriority(1)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(401).WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                error = "invalid_client",
                error_description = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                error_codes = new[] { 7000215 },
            }));
        using var admin = await school.AdminAsync(app);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new { defaultProvider = "teams", tenantId = GraphOnLoopback.TenantId, clientId, clientSecret = "wrong" })).EnsureSuccessStatusCode();

        var result = await Api.JsonAsync(await admin.PostAsync("/api/v1/teams/connection-test", null), HttpStatusCode.OK);

        var token = result.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "Token");
        Assert.False(token.GetProperty("ok").GetBoolean());
        Assert.Contains("the client secret is wrong", token.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

public sealed class TeamsAfterCallApiOnSqlite(TeamsApp app) : TeamsAfterCallApiTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsAfterCallApiOnPostgres(PostgresTeamsApp app) : TeamsAfterCallApiTests(app), IClassFixture<PostgresTeamsApp>;
