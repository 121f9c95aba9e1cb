using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Calls;
using Chaperone.Recordings;
using Chaperone.Retention;
using Chaperone.Scheduling;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Teams;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Chaperone.Tests.Retention;

/// <summary>The app with a stand-in Graph (Teams' copies) and retention deleting two recordings per batch, so a run has a middle to die in.</summary>
public class RetentionApp : TeamsApp
{
    public RetentionApp() : this(Db.Sqlite) { }

    protected RetentionApp(Db db) : base(db) { }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Retention:BatchSize", "2");
    }
}

public sealed class PostgresRetentionApp : RetentionApp
{
    public PostgresRetentionApp() : base(Db.Postgres) { }
}

/// <summary>The same, with the recordings in an Azure Blob Storage container (on the Azurite that test.sh starts) instead of files.</summary>
public sealed class AzureBlobRetentionApp : RetentionApp
{
    public AzureBlobRetentionApp() => UseAzureBlobRecordings();
}

/// <summary>Clause 2 and records management: the face-to-face date, holds, the deletion register, provider copies, crash recovery and retention periods.</summary>
public abstract class RetentionApiTests(RetentionApp app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private DateTimeOffset Now => app.Clock.GetUtcNow();

    private static string Day(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<(TestSchool School, Guid SessionId)> SchoolWithSessionAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddDays(3), 10)));
        return (school, Guid.Parse(id));
    }

    /// <summary>A built-in recording made at <paramref name="at"/>: two chunks written through the store, as the upload endpoint writes them.</summary>
    private async Task<Recording> RecordAsync(TestSchool school, Guid sessionId, DateTimeOffset at)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<RecordingStore>();
        var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
        var recording = store.Begin(school.SchoolId, sessionId, CallProviders.BuiltIn, at, "video/webm");
        for (var i = 0; i < 2; i++)
        {
            var plain = Encoding.ASCII.GetBytes($"webm-chunk-{i}-" + new string('x', 3000));
            await store.WriteChunkAsync(recording, i, plain, CancellationToken.None);
            recording.Chunks++;
            recording.Bytes += plain.Length;
        }
        db.Add(recording);
        await db.SaveChangesAsync();
        return recording;
    }

    /// <summary>The recording's sealed chunks as the store holds them (files, or blobs in Azure Blob Storage); null for a chunk it does not hold.</summary>
    private async Task<byte[]?[]> StoredAsync(Recording r)
    {
        var store = app.Services.GetRequiredService<RecordingStore>();
        var chunks = new byte[]?[r.Chunks];
        for (var i = 0; i < r.Chunks; i++)
        {
            chunks[i] = await store.Blobs.GetAsync(RecordingStore.ChunkName(r, i), CancellationToken.None);
        }
        return chunks;
    }

    private async Task AssertStoredAsync(Recording r) => Assert.All(await StoredAsync(r), Assert.NotNull);

    private async Task AssertGoneAsync(Recording r) => Assert.All(await StoredAsync(r), Assert.Null);

    /// <summary>The SHA-256 chain over the chunks as they lie in the store (what the register's hash must be).</summary>
    private async Task<string> HashStoredAsync(Recording r) =>
        (await StoredAsync(r)).Aggregate((string?)null, (h, chunk) => RecordingStore.ChainHash(h, chunk!))!;

    private Task<Recording> RowAsync(Guid id) => app.WithDbAsync(db => db.Set<Recording>().AsNoTracking().SingleAsync(r => r.Id == id));

    private async Task<List<DeletionRecord>> RegisterAsync(TestSchool school) =>
        await app.WithDbAsync(db => db.Set<DeletionRecord>().AsNoTracking().Where(d => d.SchoolId == school.SchoolId).ToListAsync());

    private async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> SetFaceToFaceAsync(TestSchool school, string date)
    {
        using var admin = await school.AdminAsync(app);
        return await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/retention/face-to-face-resumed", new { date }), HttpStatusCode.OK);
    }

    private async Task HoldAsync(TestSchool school, Guid recordingId, string reason)
    {
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);
        using var dsl = await school.DslAsync(app);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/recordings/{recordingId}/hold", new { reason }), HttpStatusCode.OK);
    }

    private async Task RunJobAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheFaceToFaceDateDeletesEveryEarlierRecordingNotOnHoldWithItsFilesAndKeyAndRegistersEachWithItsContentHash()
    {
        var (school, sessionId) = await SchoolWithSessionAsync();
        var old = new List<Recording>();
        for (var i = 0; i < 3; i++)
        {
            old.Add(await RecordAsync(school, sessionId, Now.AddDays(-3 + i).AddHours(-2)));
        }
        var held = await RecordAsync(school, sessionId, Now.AddDays(-2));
        var later = await RecordAsync(school, sessionId, Now.AddDays(2)); // made after the date: kept
        var hashes = new Dictionary<Guid, string>();
        foreach (var r in old)
        {
            hashes[r.Id] = await HashStoredAsync(r);
        }
        await HoldAsync(school, held.Id, "Evidence for a child protection referral about the pupil.");

        var settings = await SetFaceToFaceAsync(school, Day(Now));

        Assert.Equal(Day(Now), settings.GetProperty("faceToFaceResumedOn").GetString());
        await WaitForAsync(async () => (await RegisterAsync(school)).Count(d => d.Kind == DeletionKinds.Recording) == 3, "three deletions in the register");
        foreach (var r in old)
        {
            var row = await RowAsync(r.Id);
            Assert.NotNull(row.DeletedAt);
            Assert.Null(row.WrappedKey);
            Assert.Null(row.DeletionPendingAt);
            await AssertGoneAsync(r);
            Assert.Equal(hashes[r.Id], row.ContentHash);
        }
        foreach (var kept in new[] { held, later })
        {
            var row = await RowAsync(kept.Id);
            Assert.Null(row.DeletedAt);
            Assert.NotNull(row.WrappedKey);
            await AssertStoredAsync(kept);
        }

        // The register, as the admin reads it: what, when, why, and the hash of what was stored.
        using var admin = await school.AdminAsync(app);
        var register = await Api.JsonAsync(await admin.GetAsync("/api/v1/retention/deletions"), HttpStatusCode.OK);
        var items = register.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        foreach (var r in old)
        {
            var entry = Assert.Single(items, i => i.GetProperty("subjectId").GetString() == r.Id.ToString());
            Assert.Equal(hashes[r.Id], entry.GetProperty("contentHash").GetString());
            Assert.Equal("recording", entry.GetProperty("kind").GetString());
            Assert.Contains("face-to-face teaching resumed", entry.GetProperty("why").GetString(), StringComparison.Ordinal);
        }
        // A deleted recording no longer plays, for anyone.
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);
        using var dsl = await school.DslAsync(app);
        Assert.Equal(HttpStatusCode.Gone, (await dsl.GetAsync($"/api/v1/recordings/{old[0].Id}/content")).StatusCode);
        // Every step is in the audit trail.
        var actions = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync());
        Assert.Equal(3, actions.Count(a => a == AuditActions.RecordingDeleted));
        Assert.Contains(AuditActions.RecordingHeld, actions);
        Assert.Contains(AuditActions.FaceToFaceDateSet, actions);
    }

    [Fact]
    public async Task ADateInTheFutureDeletesNothingUntilTheClockReachesIt()
    {
        var (school, sessionId) = await SchoolWithSessionAsync();
        var before = await RecordAsync(school, sessionId, Now.AddDays(-1));
        var date = Now.AddDays(3);

        var settings = await SetFaceToFaceAsync(school, Day(date));
        await RunJobAsync(); // the same run the worker makes, finished before we look

        Assert.Equal(1, settings.GetProperty("recordingsDue").GetInt32());
        Assert.Null((await RowAsync(before.Id)).DeletedAt);
        Assert.Empty(await RegisterAsync(school));
        await AssertStoredAsync(before);

        // The clock reaches the date: the scheduled job deletes without anyone asking.
        var atMidnight = new DateTimeOffset(DateOnly.FromDateTime(date.UtcDateTime), TimeOnly.MinValue, TimeSpan.Zero);
        app.Clock.Advance(atMidnight - Now + TimeSpan.FromMinutes(1));

        await WaitForAsync(async () => (await RowAsync(before.Id)).DeletedAt is not null, "the deletion on the date");
        await AssertGoneAsync(before);
        Assert.Single(await RegisterAsync(school));
    }

    [Fact]
    public async Task OnlyTheDslPutsARecordingOnHoldWithAReasonAndLiftsIt()
    {
        var (school, sessionId) = await SchoolWithSessionAsync();
        var recording = await RecordAsync(school, sessionId, Now.AddDays(-1));
        var url = $"/api/v1/recordings/{recording.Id}/hold";
        // Nor the DSL signed in with a password alone: a hold needs the second factor, as concerns do.
        foreach (var other in new[] { await school.AdminAsync(app), await school.TeacherAsync(app), await school.SltAsync(app), await Concerns.ConcernTestSupport.DslWithoutTwoFactorAsync(app, school) })
        {
            using var _ = other;
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync(url, new { reason = "Keep it." })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync(url)).StatusCode);
        }
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);
        using var dsl = await school.DslAsync(app);
        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(await dsl.PostAsJsonAsync(url, new { reason = "  " })));
        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(await dsl.PostAsJsonAsync(url, new { reason = new string('r', 1001) })));
        await Api.ProblemAsync(await dsl.PostAsJsonAsync("/api/v1/recordings/not-an-id/hold", new { reason = "Keep it." }), HttpStatusCode.NotFound);
        var otherSchool = await TestSchool.CreateAsync(app);
        await Concerns.ConcernTestSupport.EnrolAsync(app, otherSchool.DslEmail);
        using (var otherDsl = await otherSchool.DslAsync(app))
        {
            await Api.ProblemAsync(await otherDsl.PostAsJsonAsync(url, new { reason = "Keep it." }), HttpStatusCode.NotFound);
        }

        var heldView = await Api.JsonAsync(await dsl.PostAsJsonAsync(url, new { reason = "A disclosure made during the call." }), HttpStatusCode.OK);

        Assert.Equal("held", heldView.GetProperty("retention").GetString());
        Assert.Equal("A disclosure made during the call.", heldView.GetProperty("holdReason").GetString());
        // The session's teacher (who may be the subject of what the DSL keeps it for) sees that it is held, not why.
        using (var teacher = await school.TeacherAsync(app))
        {
            var teachersView = (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{sessionId}/recordings"), HttpStatusCode.OK)).EnumerateArray().Single();
            Assert.Equal("held", teachersView.GetProperty("retention").GetString());
            Assert.Equal(JsonValueKind.Null, teachersView.GetProperty("holdReason").ValueKind);
        }
        await SetFaceToFaceAsync(school, Day(Now));
        await RunJobAsync();
        Assert.Null((await RowAsync(recording.Id)).DeletedAt);

        var lifted = await Api.JsonAsync(await dsl.DeleteAsync(url), HttpStatusCode.OK);

        // Lifting wakes the retention worker, which may already have begun deleting it (its date has passed).
        Assert.Contains(lifted.GetProperty("retention").GetString(), new[] { "kept", "deleting" });
        Assert.Equal(JsonValueKind.Null, lifted.GetProperty("holdReason").ValueKind);
        await RunJobAsync();
        Assert.NotNull((await RowAsync(recording.Id)).DeletedAt);
        // A deleted recording cannot be put on hold after the fact.
        Assert.Equal(["id"], await Api.BadRequestFieldsAsync(await dsl.PostAsJsonAsync(url, new { reason = "Too late." })));
        var actions = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == recording.Id.ToString()).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.RecordingHeld, actions);
        Assert.Contains(AuditActions.RecordingHoldLifted, actions);

        // The trail keeps the reason; an admin reading it sees that one was given, not what it says.
        var stored = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == recording.Id.ToString()).Select(e => e.Details).ToListAsync());
        Assert.Equal(2, stored.Count(d => d != null && d.Contains("A disclosure made during the call.", StringComparison.Ordinal)));
        using var admin = await school.AdminAsync(app);
        var trail = await Api.JsonAsync(await admin.GetAsync($"/api/v1/audit?subjectType=recording&subjectId={recording.Id}"), HttpStatusCode.OK);
        var shown = trail.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() is AuditActions.RecordingHeld or AuditActions.RecordingHoldLifted)
            .Select(e => e.GetProperty("details").GetString()!).ToList();
        Assert.Equal(2, shown.Count);
        Assert.All(shown, d => Assert.Contains(ConfidentialDetails.Withheld, d, StringComparison.Ordinal));
        Assert.DoesNotContain(shown, d => d.Contains("disclosure", StringComparison.Ordinal));
        var page = await (await admin.GetAsync($"/admin/audit?SubjectId={recording.Id}")).Content.ReadAsStringAsync();
        Assert.Contains(ConfidentialDetails.Withheld, page, StringComparison.Ordinal);
        Assert.DoesNotContain("disclosure", page, StringComparison.Ordinal);
        var verified = await Api.JsonAsync(await admin.GetAsync("/api/v1/audit/verify"), HttpStatusCode.OK);
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.GetRawText());
    }

    [Fact]
    public async Task TheFaceToFaceDateAndPeriodsRefuseBadInputFieldByFieldAndOnlyForAdmins()
    {
        var school = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);
        Assert.Equal(["date"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/retention/face-to-face-resumed", new { date = "08/03/2027" })));
        Assert.Equal(["date"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/retention/face-to-face-resumed", new { })));
        Assert.Equal(["date"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/retention/face-to-face-resumed", new { date = "2027-02-30" })));
        var fields = await Api.BadRequestFieldsAsync(await admin.PutAsJsonAsync("/api/v1/retention/settings", new { concernsYearsAfterBirth = 0, interventionRecordsYears = 500 }));
        Assert.Equal(["concernsYearsAfterBirth", "interventionRecordsYears"], fields.Order());
        var defaults = await Api.JsonAsync(await admin.GetAsync("/api/v1/retention/settings"), HttpStatusCode.OK);
        Assert.Equal(25, defaults.GetProperty("concernsYearsAfterBirth").GetInt32());
        Assert.Equal(6, defaults.GetProperty("interventionRecordsYears").GetInt32());
        using var teacher = await school.TeacherAsync(app);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PostAsJsonAsync("/api/v1/retention/face-to-face-resumed", new { date = "2027-03-08" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync("/api/v1/retention/deletions")).StatusCode);
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);
        using var dsl = await school.DslAsync(app);
        Assert.Equal(HttpStatusCode.Forbidden, (await dsl.PutAsJsonAsync("/api/v1/retention/settings", new { concernsYearsAfterBirth = 25, interventionRecordsYears = 6 })).StatusCode);
        await Api.JsonAsync(await dsl.GetAsync("/api/v1/retention/deletions"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task TheJobAppliesTheInterventionRecordsPeriodPerSchool()
    {
        var (school, oldId) = await SchoolWithSessionAsync();
        using var teacher = await school.TeacherAsync(app);
        var recentId = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddDays(5), 11))));
        // Two sessions held long ago: seven and five years.
        await app.WithDbAsync(async db =>
        {
            foreach (var (id, years) in new[] { (oldId, 7), (recentId, 5) })
            {
                var start = Now.AddYears(-years);
                await db.Sessions.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Start, start).SetProperty(s => s.End, start.AddMinutes(30)));
                db.Add(new CallEventRecord { SchoolId = school.SchoolId, SessionId = id, At = start, Kind = RoomEvents.ConsentGiven, Actor = "guardian:x" });
            }
            return await db.SaveChangesAsync();
        });

        await RunJobAsync();

        Assert.Equal(0, await app.WithDbAsync(db => db.Set<CallEventRecord>().CountAsync(e => e.SessionId == oldId)));
        Assert.Equal(0, await app.WithDbAsync(db => db.SessionPupils.CountAsync(p => p.SessionId == oldId)));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<CallEventRecord>().CountAsync(e => e.SessionId == recentId)));
        var entry = Assert.Single(await RegisterAsync(school));
        Assert.Equal((DeletionKinds.SessionRecords, oldId), (entry.Kind, entry.SubjectId));

        using var admin = await school.AdminAsync(app);
        await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/retention/settings", new { concernsYearsAfterBirth = 25, interventionRecordsYears = 4 }), HttpStatusCode.OK);
        await RunJobAsync();
        await RunJobAsync(); // a second run finds nothing more to do

        Assert.Equal(0, await app.WithDbAsync(db => db.Set<CallEventRecord>().CountAsync(e => e.SessionId == recentId)));
        Assert.Equal([oldId, recentId], (await RegisterAsync(school)).Select(d => d.SubjectId).Order());
        Assert.Contains(AuditActions.RetentionPeriodsChanged, await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()));
    }

    [Fact]
    public async Task ASessionWhoseRecordingIsHeldOrThatAConcernIsAboutKeepsItsRecordsPastThePeriod()
    {
        var (school, heldId) = await SchoolWithSessionAsync();
        using var teacher = await school.TeacherAsync(app);
        var concernId = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddDays(5), 11))));
        var plainId = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddDays(6), 12))));
        var recording = await RecordAsync(school, heldId, Now.AddDays(-1));
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);
        using var dsl = await school.DslAsync(app);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/recordings/{recording.Id}/hold", new { reason = "A disclosure made during the call." }), HttpStatusCode.OK);
        await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, sessionId = concernId.ToString(), kind = "behaviour",
            summary = "Rude to a sibling", detail = "Shouted at a sibling during the call.",
        }), HttpStatusCode.Created);
        // All three held seven years ago, past the six years.
        await app.WithDbAsync(async db =>
        {
            foreach (var id in new[] { heldId, concernId, plainId })
            {
                var start = Now.AddYears(-7);
                await db.Sessions.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Start, start).SetProperty(s => s.End, start.AddMinutes(30)));
                db.Add(new CallEventRecord { SchoolId = school.SchoolId, SessionId = id, At = start, Kind = RoomEvents.ConsentGiven, Actor = "guardian:x" });
            }
            return await db.SaveChangesAsync();
        });

        await RunJobAsync();

        Task<int> EventsAsync(Guid id) => app.WithDbAsync(db => db.Set<CallEventRecord>().CountAsync(e => e.SessionId == id));
        Assert.Equal(0, await EventsAsync(plainId));
        Assert.Equal(1, await EventsAsync(heldId));
        Assert.Equal(1, await EventsAsync(concernId));
        Assert.Equal([plainId], (await RegisterAsync(school)).Where(d => d.Kind == DeletionKinds.SessionRecords).Select(d => d.SubjectId));

        // Once the hold is lifted, the held session's records go at the next run.
        await Api.JsonAsync(await dsl.DeleteAsync($"/api/v1/recordings/{recording.Id}/hold"), HttpStatusCode.OK);
        await RunJobAsync();
        Assert.Equal(0, await EventsAsync(heldId));
        Assert.Equal(1, await EventsAsync(concernId));
    }

    [Fact]
    public async Task TheJobDeletesAConcernOnceEveryLinkedPupilsDateOfBirthPlusThePeriodHasPassed()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        // Toby turns 25 in two days; Sibling A too, but Sibling B a month later; Nell's birthday is not recorded.
        await app.WithDbAsync(async db =>
        {
            foreach (var (pupil, born) in new[] { (school.TwoParentPupil, today.AddYears(-25).AddDays(2)), (school.SiblingA, today.AddYears(-25).AddDays(2)), (school.SiblingB, today.AddYears(-25).AddDays(30)) })
            {
                await db.Pupils.Where(p => p.Id == pupil).ExecuteUpdateAsync(u => u.SetProperty(p => p.DateOfBirth, born));
            }
            return 0;
        });
        object About(params Guid[] pupils) => new { pupilIds = pupils.Select(p => p.ToString()).ToArray(), kind = "safeguarding", summary = "A worry", detail = "What was seen." };
        var toby = await Concerns.ConcernTestSupport.RaiseAsync(teacher, About(school.TwoParentPupil));
        var siblings = await Concerns.ConcernTestSupport.RaiseAsync(teacher, About(school.SiblingA, school.SiblingB));
        var nell = await Concerns.ConcernTestSupport.RaiseAsync(teacher, About(school.NoEmailPupil, school.TwoParentPupil));
        static Guid Id(JsonElement c) => Guid.Parse(c.GetProperty("id").GetString()!);
        var (tobyId, nellId) = (Id(toby), Id(nell));
        Task<List<Guid>> ConcernsLeftAsync() => app.WithDbAsync(db => db.Set<Chaperone.Concerns.Concern>().Where(c => c.SchoolId == school.SchoolId).Select(c => c.Id).ToListAsync());
        Task<int> AlertsAboutAsync(Guid concern) => app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.ConcernId == concern));
        Assert.True(await AlertsAboutAsync(tobyId) > 0, "the concern's alert emails are written with it");

        await RunJobAsync();

        Assert.Equal(3, (await ConcernsLeftAsync()).Count);
        Assert.True(await app.WithDbAsync(db => db.Set<Chaperone.Concerns.ConcernEntry>().CountAsync(e => e.ConcernId == tobyId)) > 0);
        Assert.Empty(await RegisterAsync(school));

        // Unacknowledged, the concerns are escalated (more alert emails) before the days go by.
        app.Clock.Advance(TimeSpan.FromHours(1));
        await Concerns.ConcernTestSupport.WorkerPassAsync(app);
        Assert.True(await AlertsAboutAsync(tobyId) > 1, "the escalation's alerts are written with the concern's id");

        // Two days on, Toby is 25: the concern about him alone goes; the others are kept.
        app.Clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromHours(1));
        await RunJobAsync();

        Assert.Equal(new[] { Id(siblings), nellId }.Order(), (await ConcernsLeftAsync()).Order());
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Concerns.ConcernEntry>().CountAsync(e => e.ConcernId == tobyId)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Concerns.ConcernPupil>().CountAsync(p => p.ConcernId == tobyId)));
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<Chaperone.Concerns.ConcernPupil>().CountAsync(p => p.ConcernId == nellId)));
        // Its alert emails (who was told, and when) go with it; the others' stay.
        Assert.Equal(0, await AlertsAboutAsync(tobyId));
        Assert.True(await AlertsAboutAsync(nellId) > 0);
        var entry = Assert.Single(await RegisterAsync(school));
        Assert.Equal((DeletionKinds.Concern, Id(toby)), (entry.Kind, entry.SubjectId));
        Assert.Contains(toby.GetProperty("reference").GetString()!, entry.What, StringComparison.Ordinal);
        Assert.DoesNotContain("worry", entry.What, StringComparison.Ordinal);
        var audited = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.ConcernExpired).Select(e => e.SubjectId).ToListAsync());
        Assert.Equal([Id(toby).ToString()], audited);
        await RunJobAsync(); // nothing more is due
        Assert.Single(await RegisterAsync(school));
    }

    [Fact]
    public async Task APasswordLinksEmailIsDeletedSevenDaysAfterItWasWrittenAndTheTrailSaysSo()
    {
        var school = await TestSchool.CreateAsync(app);
        var asked = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/forgotten-password", new { email = school.TeacherEmail });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        await app.PasswordLinkRequestsDoneAsync();
        Task<int> LinksAsync() => app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.Kind == Chaperone.Notifications.MessageKind.PasswordReset));
        Task<List<string>> TrailAsync() => app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.PasswordLinksExpired).Select(e => e.Details!).ToListAsync());
        Assert.Equal(1, await LinksAsync());

        app.Clock.Advance(TimeSpan.FromDays(6));
        await RunJobAsync();
        Assert.Equal(1, await LinksAsync());
        Assert.Empty(await TrailAsync());

        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await RunJobAsync();
        Assert.Equal(0, await LinksAsync());
        var noted = Assert.Single(await TrailAsync());
        Assert.Equal(1, JsonDocument.Parse(noted).RootElement.GetProperty("deleted").GetInt32());
    }

    [Fact]
    public async Task ARoleOffersEmailIsKeptAsLongAsItsLinkAndTheLeadersNoticesAsLongAsInterventionRecords()
    {
        var school = await TestSchool.CreateAsync(app);
        using (var admin = await school.AdminAsync(app))
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/roles",
                new { roles = new[] { Chaperone.People.Roles.Teacher, Chaperone.People.Roles.Dsl } })).StatusCode);
        }
        Task<List<(Guid Id, string To)>> EmailsAsync(Chaperone.Notifications.MessageKind kind) => app.WithDbAsync(async db =>
            (await db.OutboxMessages.Where(m => m.SchoolId == school.SchoolId && m.Kind == kind).OrderBy(m => m.Id).Select(m => new { m.Id, m.RecipientEmail }).ToListAsync())
                .Select(m => (m.Id, m.RecipientEmail)).ToList());
        Task<List<string>> TrailAsync(string action) =>
            app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.Action == action).Select(e => e.Details!).ToListAsync());

        // The offer is filed as what it is, not as a password reset; the DSL and the senior leader are told.
        var offer = Assert.Single(await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleOffered));
        Assert.Equal(school.OtherTeacherEmail, offer.To);
        Assert.Empty(await EmailsAsync(Chaperone.Notifications.MessageKind.PasswordReset));
        var notices = await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleChanged);
        Assert.Equal([school.DslEmail, school.SltEmail], notices.Select(n => n.To).Order());

        // The offer's email lives as long as its link (7 days), and no longer.
        app.Clock.Advance(Chaperone.Identity.ClockResetTokenProvider.InvitationLifespan - TimeSpan.FromMinutes(1));
        await RunJobAsync();
        Assert.Single(await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleOffered));
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await RunJobAsync();
        Assert.Empty(await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleOffered));
        Assert.Equal(1, JsonDocument.Parse(Assert.Single(await TrailAsync(AuditActions.RoleOfferLinksExpired))).RootElement.GetProperty("deleted").GetInt32());

        // The leaders' notices are kept as long as attendance and intervention records (6 years), then go.
        Assert.Equal(2, (await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleChanged)).Count);
        var (older, newer) = (notices[0].Id, notices[1].Id);
        var now = Now;
        await app.WithDbAsync(async db =>
        {
            await db.OutboxMessages.Where(m => m.Id == older).ExecuteUpdateAsync(u => u.SetProperty(m => m.CreatedAt, now.AddYears(-6).AddDays(-1)));
            return await db.OutboxMessages.Where(m => m.Id == newer).ExecuteUpdateAsync(u => u.SetProperty(m => m.CreatedAt, now.AddYears(-6).AddDays(1)));
        });
        await RunJobAsync();
        Assert.Equal([newer], (await EmailsAsync(Chaperone.Notifications.MessageKind.SafeguardingRoleChanged)).Select(n => n.Id));
        var noted = JsonDocument.Parse(Assert.Single(await TrailAsync(AuditActions.SafeguardingRoleNoticesExpired))).RootElement;
        Assert.Equal((1, 6), (noted.GetProperty("deleted").GetInt32(), noted.GetProperty("keptYears").GetInt32()));
    }

    /// <summary>A Teams session with one recording copied in from Teams (made on 3 December 2026).</summary>
    private async Task<(TestSchool School, Guid SessionId, string User, Recording Copy)> TeamsRecordingAsync(Func<TestSchool, Task>? before = null)
    {
        var school = await TestSchool.CreateAsync(app);
        if (before is not null)
        {
            await before(school);
        }
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(Now.AddDays(3), 10);
        var id = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start)));
        // Made during the session, whatever day the fixture's shared clock has reached (Teams names the file with the UTC time).
        var made = start.AddSeconds(30);
        var fileName = $"Support session ({TeamsMeetings.Reference(id)})-{made.UtcDateTime:yyyyMMdd_HHmmss}-Meeting Recording.mp4";
        app.Graph.ServeRecording(user, meetingId, "rec-1", Encoding.ASCII.GetBytes("ftypmp42 " + new string('f', 5000)), fileName, made);
        Assert.IsType<TeamsOutcome.Done>(await app.WithTeamsAsync(t => t.ReadRecordingsAsync(school.SchoolId, id, CancellationToken.None)));
        var copy = await app.WithDbAsync(db => db.Set<Recording>().AsNoTracking().SingleAsync(r => r.SessionId == id));
        return (school, id, user, copy);
    }

    private string DriveItemPath(string user) => GraphOnLoopback.P($"/drives/b!{user[..8]}/items/item-rec");

    private int OneDriveDeletes(string user) =>
        app.Graph.Server.LogEntries.Count(e => e.RequestMessage.Method == "DELETE" && e.RequestMessage.Path == DriveItemPath(user));

    /// <summary>A face-to-face date after <paramref name="copy"/> was made, with the clock moved to it if it is behind.</summary>
    private string DateAfterTeamsRecordings(Recording copy)
    {
        var day = new DateTimeOffset(DateOnly.FromDateTime(copy.StartedAt.UtcDateTime).AddDays(1), new TimeOnly(0, 1), TimeSpan.Zero);
        if (Now < day)
        {
            app.Clock.Advance(day - Now);
        }
        return Day(Now);
    }

    [Fact]
    public async Task ATeamsRecordingIsDeletedOnBothSidesAtRetentionAndAFailingOneDriveIsRetriedInSight()
    {
        var (school, _, user, copy) = await TeamsRecordingAsync();
        // Graph is down for OneDrive deletes.
        app.Graph.ServeError($"/drives/b!{user[..8]}/items/item-rec", "DELETE", 403, "accessDenied", "Access denied", priority: 20);

        await SetFaceToFaceAsync(school, DateAfterTeamsRecordings(copy));

        await WaitForAsync(async () => (await RowAsync(copy.Id)).DeletedAt is not null, "Chaperone's copy deleted");
        await WaitForAsync(async () => (await RowAsync(copy.Id)).ProviderCopyAttempts >= 1, "the failed OneDrive attempt recorded");
        var row = await RowAsync(copy.Id);
        Assert.Null(row.WrappedKey);
        await AssertGoneAsync(copy);
        Assert.True(row.ProviderHoldsCopy);
        using var admin = await school.AdminAsync(app);
        var register = await Api.JsonAsync(await admin.GetAsync("/api/v1/retention/deletions"), HttpStatusCode.OK);
        var pending = Assert.Single(register.GetProperty("pendingProviderCopies").EnumerateArray());
        Assert.Equal(copy.Id.ToString(), pending.GetProperty("recordingId").GetString());
        Assert.False(string.IsNullOrEmpty(pending.GetProperty("lastError").GetString()));
        Assert.Equal([DeletionKinds.Recording], (await RegisterAsync(school)).Select(d => d.Kind));

        // Graph is back: the retry, when due, deletes Teams' copy and registers it once.
        app.Graph.Server.Given(Request.Create().WithPath(DriveItemPath(user)).UsingDelete()).AtPriority(10).RespondWith(Response.Create().WithStatusCode(204));
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        await WaitForAsync(async () => !(await RowAsync(copy.Id)).ProviderHoldsCopy, "Teams' copy deleted");
        Assert.True(OneDriveDeletes(user) >= 2);
        var kinds = (await RegisterAsync(school)).Select(d => d.Kind).Order().ToList();
        Assert.Equal([DeletionKinds.ProviderCopy, DeletionKinds.Recording], kinds);
        register = await Api.JsonAsync(await admin.GetAsync("/api/v1/retention/deletions"), HttpStatusCode.OK);
        Assert.Empty(register.GetProperty("pendingProviderCopies").EnumerateArray());
    }

    [Fact]
    public async Task ADeletionKilledMidwayResumesOnRestartAndRegistersEachRecordingExactlyOnce()
    {
        // Ids are in creation order, so the batches of two are [b1, b2], [teams, b3], [b4].
        var made = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var builtIn = new List<Recording>();
        var (school, _, user, teamsCopy) = await TeamsRecordingAsync(async s =>
        {
            var session = Guid.Parse(await TestSchool.BookOkAsync(await s.OtherTeacherAsync(app), s.Booking(Api.NextWeekdayAt(Now.AddDays(4), 11), teacher: s.OtherTeacherId)));
            builtIn.Add(await RecordAsync(s, session, made));
            builtIn.Add(await RecordAsync(s, session, made));
        });
        builtIn.Add(await RecordAsync(school, builtIn[0].SessionId, made));
        builtIn.Add(await RecordAsync(school, builtIn[0].SessionId, made));
        Recording[] all = [builtIn[0], builtIn[1], teamsCopy, builtIn[2], builtIn[3]];
        // OneDrive hangs on the delete: the worker is in the middle of the run when it dies.
        using var arrived = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        app.Graph.Server.Given(Request.Create().WithPath(DriveItemPath(user)).UsingDelete()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(_ =>
            {
                arrived.Set();
                release.Wait(TimeSpan.FromSeconds(60));
                return new WireMock.ResponseMessage { StatusCode = 204 };
            }));
        var worker = app.Services.GetServices<IHostedService>().OfType<RetentionWorker>().Single();

        await SetFaceToFaceAsync(school, DateAfterTeamsRecordings(teamsCopy));
        Assert.True(arrived.Wait(Patience), "The worker did not reach Teams' copy.");
        await worker.StopAsync(CancellationToken.None).WaitAsync(Patience);

        var midway = await app.WithDbAsync(db => db.Set<Recording>().AsNoTracking().Where(r => r.SchoolId == school.SchoolId).ToListAsync());
        Assert.Contains(midway, r => r.DeletionPendingAt is not null); // the rest is still to do
        Assert.Contains(midway, r => r.DeletedAt is not null); // and some was done
        Assert.True(midway.Single(r => r.Id == teamsCopy.Id).ProviderHoldsCopy);

        // OneDrive answers again; the worker restarts (as on the next start-up) and finishes the run.
        release.Set();
        await worker.StartAsync(CancellationToken.None);

        await WaitForAsync(async () => (await RegisterAsync(school)).Count == all.Length + 1, "every deletion registered");
        var register = await RegisterAsync(school);
        foreach (var r in all)
        {
            Assert.Single(register, d => d.Kind == DeletionKinds.Recording && d.SubjectId == r.Id);
            var row = await RowAsync(r.Id);
            Assert.NotNull(row.DeletedAt);
            Assert.Null(row.WrappedKey);
            await AssertGoneAsync(r);
        }
        Assert.Single(register, d => d.Kind == DeletionKinds.ProviderCopy && d.SubjectId == teamsCopy.Id);
        Assert.False((await RowAsync(teamsCopy.Id)).ProviderHoldsCopy);
        Assert.Equal(all.Length, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.RecordingDeleted)));
    }
}

public sealed class RetentionApiOnSqlite(RetentionApp app) : RetentionApiTests(app), IClassFixture<RetentionApp>;

public sealed class RetentionApiOnPostgres(PostgresRetentionApp app) : RetentionApiTests(app), IClassFixture<PostgresRetentionApp>;

public sealed class RetentionApiOnAzureBlob(AzureBlobRetentionApp app) : RetentionApiTests(app), IClassFixture<AzureBlobRetentionApp>;
