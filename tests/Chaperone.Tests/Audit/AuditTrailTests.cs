using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Audit;

/// <summary>
/// The tamper-evident audit trail: changes leave entries, entries are sealed into one hash chain
/// per school, and any edit, removal or reordering made behind the app's back is detected.
/// </summary>
public abstract class AuditTrailTests(ChaperoneApp app)
{
    /// <summary>A school whose admin has signed in once and added four parents: five entries.</summary>
    private async Task<(TestSchool School, HttpClient Admin, List<AuditEntry> Chain)> SchoolWithFiveEntriesAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        for (var i = 1; i <= 4; i++)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/guardians", new { name = $"Parent {i}", relationship = "Mother", hasParentalResponsibility = true, email = $"p{i}@family.test" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        await AuditDb.WaitUntilSealedAsync(app, school.SchoolId);
        var chain = await AuditDb.ChainAsync(app, school.SchoolId);
        Assert.Equal([1L, 2, 3, 4, 5], chain.Select(e => e.Position!.Value));
        return (school, admin, chain);
    }

    private static async Task<JsonElement> VerifyAsync(HttpClient admin) =>
        await Api.JsonAsync(await admin.GetAsync("/api/v1/audit/verify"), HttpStatusCode.OK);

    [Fact]
    public async Task SessionChangesPeopleSettingsAndSignInsEachLeaveAnEntryAndTheChainVerifies()
    {
        var school = await TestSchool.CreateAsync(app);
        var failed = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = "wrong password!" });
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), 10)));
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(4), 11))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, id, "Pupil unwell")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/policy/settings", new { minimumNoticeHours = 72 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2027-02-15", reason = "Half term" })).StatusCode);

        var forSession = await Api.JsonAsync(await admin.GetAsync($"/api/v1/audit?subjectId={id}"), HttpStatusCode.OK);
        Assert.Equal(["session.cancelled", "session.rescheduled", "session.booked"],
            forSession.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        var cancelled = forSession.GetProperty("items")[0];
        Assert.Equal(school.TeacherId.ToString(), cancelled.GetProperty("actorId").GetString());
        Assert.Contains("Pupil unwell", cancelled.GetProperty("details").GetString());

        var all = await Api.JsonAsync(await admin.GetAsync("/api/v1/audit?pageSize=200"), HttpStatusCode.OK);
        var actions = all.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains(AuditActions.SignInFailed, actions);
        Assert.Contains(AuditActions.SignedIn, actions);
        Assert.Contains(AuditActions.SettingsChanged, actions);
        Assert.Contains(AuditActions.ClosureAdded, actions);
        Assert.Equal(8, all.GetProperty("total").GetInt32());

        var signIns = await Api.JsonAsync(await admin.GetAsync("/api/v1/audit?action=sign-in"), HttpStatusCode.OK);
        Assert.Equal(3, signIns.GetProperty("total").GetInt32());

        await AuditDb.WaitUntilSealedAsync(app, school.SchoolId);
        var verified = await VerifyAsync(admin);
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.ToString());
        Assert.Equal(8, verified.GetProperty("entries").GetInt64());
        Assert.False(verified.TryGetProperty("firstBrokenEntry", out var broken) && broken.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task AChangeThatFailsLeavesNoEntry()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);
        // Refused by clause 8 (less than 48 hours' notice): nothing is booked, nothing is audited.
        var refused = await TestSchool.BookAsync(teacher, school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(3), 10)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);

        var found = await Api.JsonAsync(await admin.GetAsync("/api/v1/audit?action=session"), HttpStatusCode.OK);
        Assert.Equal(0, found.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("ActorName")]
    [InlineData("Action")]
    [InlineData("SubjectType")]
    [InlineData("SubjectId")]
    [InlineData("Details")]
    [InlineData("At")]
    [InlineData("ActorId")]
    [InlineData("FormatVersion")]
    [InlineData("Hash")]
    [InlineData("Id")]
    public async Task EditingAnyColumnOfAnEntryBySqlIsDetectedAndTheEntryNamed(string column)
    {
        var (_, admin, chain) = await SchoolWithFiveEntriesAsync();
        Assert.True((await VerifyAsync(admin)).GetProperty("valid").GetBoolean());
        var third = chain[2];

        await AuditDb.TamperAsync(app, AuditDb.EditColumn(app.Db, column, third.Id));

        var verified = await VerifyAsync(admin);
        Assert.False(verified.GetProperty("valid").GetBoolean(), verified.ToString());
        Assert.Equal(3, verified.GetProperty("firstBrokenPosition").GetInt64());
        var expectedId = column == "Id" ? third.Id + 1_000_000 : third.Id;
        Assert.Equal(expectedId.ToString(System.Globalization.CultureInfo.InvariantCulture), verified.GetProperty("firstBrokenEntry").GetString());
        Assert.Equal(5, verified.GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task DeletingAnEntryIsDetectedAtTheGap()
    {
        var (_, admin, chain) = await SchoolWithFiveEntriesAsync();

        await AuditDb.TamperAsync(app, $"DELETE FROM \"AuditEntries\" WHERE \"Id\" = {chain[2].Id}");

        var verified = await VerifyAsync(admin);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(3, verified.GetProperty("firstBrokenPosition").GetInt64());
        Assert.Equal(chain[3].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), verified.GetProperty("firstBrokenEntry").GetString());
        Assert.Contains("missing", verified.GetProperty("problem").GetString());
    }

    [Fact]
    public async Task DeletingTheNewestEntryIsDetected()
    {
        var (_, admin, chain) = await SchoolWithFiveEntriesAsync();

        await AuditDb.TamperAsync(app, $"DELETE FROM \"AuditEntries\" WHERE \"Id\" = {chain[4].Id}");

        var verified = await VerifyAsync(admin);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(5, verified.GetProperty("firstBrokenPosition").GetInt64());
        Assert.Equal(4, verified.GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task ReorderingEntriesIsDetected()
    {
        var (_, admin, chain) = await SchoolWithFiveEntriesAsync();

        await AuditDb.TamperAsync(app,
            $"UPDATE \"AuditEntries\" SET \"Position\" = -1 WHERE \"Id\" = {chain[1].Id};" +
            $"UPDATE \"AuditEntries\" SET \"Position\" = 2 WHERE \"Id\" = {chain[3].Id};" +
            $"UPDATE \"AuditEntries\" SET \"Position\" = 4 WHERE \"Id\" = {chain[1].Id};");

        var verified = await VerifyAsync(admin);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(2, verified.GetProperty("firstBrokenPosition").GetInt64());
        Assert.Equal(chain[3].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), verified.GetProperty("firstBrokenEntry").GetString());
    }

    [Fact]
    public async Task TheDatabaseRefusesToChangeOrDeleteAnEntry()
    {
        var (_, admin, chain) = await SchoolWithFiveEntriesAsync();

        var update = await Record.ExceptionAsync(() => AuditDb.SqlAsync(app, AuditDb.EditColumn(app.Db, "ActorName", chain[0].Id)));
        var delete = await Record.ExceptionAsync(() => AuditDb.SqlAsync(app, $"DELETE FROM \"AuditEntries\" WHERE \"Id\" = {chain[0].Id}"));
        // Sealing twice is refused too: a sealed entry's position and hash are fixed.
        var reseal = await Record.ExceptionAsync(() => AuditDb.SqlAsync(app, $"UPDATE \"AuditEntries\" SET \"Position\" = 99 WHERE \"Id\" = {chain[0].Id}"));

        Assert.True(update is not null && AuditDb.IsRefusal(update), $"UPDATE was not refused: {update}");
        Assert.True(delete is not null && AuditDb.IsRefusal(delete), $"DELETE was not refused: {delete}");
        Assert.True(reseal is not null && AuditDb.IsRefusal(reseal), $"Re-sealing was not refused: {reseal}");
        Assert.True((await VerifyAsync(admin)).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task ConcurrentChangesFromManyRequestsSealIntoOneValidChain()
    {
        var school = await TestSchool.CreateAsync(app);
        var admins = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => school.AdminAsync(app)));
        const int Each = 12;

        var responses = await Task.WhenAll(admins.SelectMany((admin, a) => Enumerable.Range(0, Each).Select(i =>
            admin.PostAsJsonAsync("/api/v1/guardians", new { name = $"Parent {a}-{i}", relationship = "Father", hasParentalResponsibility = true }))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        await AuditDb.WaitUntilSealedAsync(app, school.SchoolId);
        var chain = await AuditDb.ChainAsync(app, school.SchoolId);
        var total = admins.Length + admins.Length * Each;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), chain.Select(e => e.Position!.Value));
        var verified = await VerifyAsync(admins[0]);
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.ToString());
        Assert.Equal(total, verified.GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task VerifyingWhileTheSealerSealsSeesOneConsistentChain()
    {
        var school = await TestSchool.CreateAsync(app);
        var sealer = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<AuditSealer>().Single();
        Task<int> WriteAsync(int count) => app.WithDbAsync(async db =>
        {
            db.AuditEntries.AddRange(Enumerable.Range(0, count).Select(i =>
                AuditLog.Entry(school.SchoolId, AuditActor.System, "test.concurrent", "test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), new { i }, app.Clock.GetUtcNow())));
            return await db.SaveChangesAsync();
        });
        // A chain long enough that reading it takes a while, then more sealed while it is read.
        await WriteAsync(3000);
        await sealer.SealPendingAsync(CancellationToken.None);
        var sealing = Task.Run(async () =>
        {
            for (var round = 0; round < 30; round++)
            {
                await WriteAsync(40);
                await sealer.SealPendingAsync(CancellationToken.None);
            }
        });
        var verifications = new List<AuditVerification>();
        while (!sealing.IsCompleted)
        {
            await using var scope = app.Services.CreateAsyncScope();
            verifications.Add(await AuditVerifier.VerifyAsync(scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>(), school.SchoolId, app.Clock.GetUtcNow(), CancellationToken.None));
        }
        await sealing;

        Assert.NotEmpty(verifications);
        Assert.All(verifications, v => Assert.True(v.Valid, v.Problem));
    }

    [Fact]
    public async Task ABacklogLargerThanOneSealingBatchSealsIntoOneValidChain()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        await AuditDb.WaitUntilSealedAsync(app, school.SchoolId);
        var before = (await AuditDb.ChainAsync(app, school.SchoolId)).Count;
        const int Backlog = 1234;
        // Written as one burst (as after many bookings at once), then sealed by the sealer's own pass.
        await app.WithDbAsync(async db =>
        {
            db.AuditEntries.AddRange(Enumerable.Range(0, Backlog).Select(i =>
                AuditLog.Entry(school.SchoolId, AuditActor.System, "test.backlog", "test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), new { i }, app.Clock.GetUtcNow())));
            return await db.SaveChangesAsync();
        });
        await app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<AuditSealer>().Single().SealPendingAsync(CancellationToken.None);

        Assert.Equal(0, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Position == null)));
        var chain = await AuditDb.ChainAsync(app, school.SchoolId);
        Assert.Equal(Enumerable.Range(1, before + Backlog).Select(i => (long)i), chain.Select(e => e.Position!.Value));
        var verified = await VerifyAsync(admin);
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.ToString());
        Assert.Equal(before + Backlog, verified.GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task OnlyAnAdminMayVerifyOrSearchAndOnlyTheirOwnSchool()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var otherAdmin = await other.AdminAsync(app);
        var admin = await school.AdminAsync(app);

        await Api.ProblemAsync(await teacher.GetAsync("/api/v1/audit/verify"), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await teacher.GetAsync("/api/v1/audit"), HttpStatusCode.Forbidden);
        var theirs = await Api.JsonAsync(await otherAdmin.GetAsync("/api/v1/audit?pageSize=200"), HttpStatusCode.OK);
        Assert.DoesNotContain(theirs.GetProperty("items").EnumerateArray(), e => e.GetProperty("actorName").GetString()!.Contains(school.AdminEmail.Split('@')[0].Split('.')[1], StringComparison.Ordinal));
        var mine = await Api.JsonAsync(await admin.GetAsync($"/api/v1/audit?actor={school.AdminId}"), HttpStatusCode.OK);
        Assert.Equal(1, mine.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task BadSearchInputIsNamedFieldByField()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var fields = await Api.BadRequestFieldsAsync(await admin.GetAsync("/api/v1/audit?from=yesterday&to=2026-13-45&pageSize=0&page=0&actor=%00x"));

        Assert.Equal(["actor", "from", "page", "pageSize", "to"], fields.Order());
    }
}

public sealed class AuditTrailOnSqlite(ChaperoneApp app) : AuditTrailTests(app), IClassFixture<ChaperoneApp>;

public sealed class AuditTrailOnPostgres(PostgresChaperoneApp app) : AuditTrailTests(app), IClassFixture<PostgresChaperoneApp>;
