using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Identity;

/// <summary>Who may do what: teachers their own sessions, leaders anyone's, the DSL reads, the admin sets policy.</summary>
public abstract class RoleAuthorizationApiTests(ChaperoneApp app)
{
    // "Now" is Monday 30 November 2026 08:00 UTC; Wednesday 2 December is more than 48 hours on.
    private static readonly DateTimeOffset Wednesday10 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TeacherCannotBookForAnotherTeacher()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10, teacher: school.OtherTeacherId));

        await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task SeniorLeaderAndAdminCanBookForAnyTeacher()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var admin = await school.AdminAsync(app);

        await TestSchool.BookOkAsync(slt, school.Booking(Wednesday10, teacher: school.TeacherId));
        await TestSchool.BookOkAsync(admin, school.Booking(Wednesday10.AddHours(1), teacher: school.OtherTeacherId));

        Assert.Equal(2, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task DslCannotBookButCanReadSessionsAndCompliance()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Wednesday10));
        var dsl = await school.DslAsync(app);

        var book = await TestSchool.BookAsync(dsl, school.Booking(Wednesday10.AddHours(2)));
        var reschedule = await Api.RescheduleAsync(dsl, id, Wednesday10.AddHours(2));
        var cancel = await Api.CancelAsync(dsl, id);

        await Api.ProblemAsync(book, HttpStatusCode.Forbidden);
        await Api.ProblemAsync(reschedule, HttpStatusCode.Forbidden);
        await Api.ProblemAsync(cancel, HttpStatusCode.Forbidden);
        Assert.Equal(1, await school.SessionCountAsync(app));
        var session = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", session.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await dsl.GetAsync($"/api/v1/sessions/{id}/compliance")).StatusCode);
        var list = await Api.JsonAsync(await dsl.GetAsync("/api/v1/sessions"), HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task TeacherCannotSeeRescheduleOrCancelAnotherTeachersSession()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await school.OtherTeacherAsync(app);
        var id = await TestSchool.BookOkAsync(other, school.Booking(Wednesday10, teacher: school.OtherTeacherId));
        var teacher = await school.TeacherAsync(app);
        var elsewhere = await TestSchool.CreateAsync(app);
        var theirs = await TestSchool.BookOkAsync(await elsewhere.TeacherAsync(app), elsewhere.Booking(Wednesday10));

        // A colleague's session is there but not theirs: 403; another school's is not found: 404 (API.md's errors).
        async Task<HttpStatusCode[]> AnswersAsync(string session) =>
        [
            (await teacher.GetAsync($"/api/v1/sessions/{session}")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/compliance")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/record")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/notifications")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/recordings")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/family-links")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/attendance")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/outcome")).StatusCode,
            (await teacher.GetAsync($"/api/v1/sessions/{session}/teams")).StatusCode,
            (await teacher.PostAsJsonAsync($"/api/v1/sessions/{session}/outcome", new { outcome = "completed", notes = "x" })).StatusCode,
            (await Api.RescheduleAsync(teacher, session, Wednesday10.AddHours(2))).StatusCode,
            (await Api.CancelAsync(teacher, session)).StatusCode,
            (await teacher.PostAsync($"/api/v1/sessions/{session}/recording/chunks/0", new ByteArrayContent([1, 2, 3]))).StatusCode,
        ];
        Assert.All(await AnswersAsync(id), status => Assert.Equal(HttpStatusCode.Forbidden, status));
        Assert.All(await AnswersAsync(theirs), status => Assert.Equal(HttpStatusCode.NotFound, status));
        // Its pages say the same: not allowed (a signed-in browser is shown the page that says so), against not found.
        foreach (var page in new[] { "", "/record", "/recordings", "/console" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync($"/sessions/{id}{page}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/sessions/{theirs}{page}")).StatusCode);
        }
        await Api.ProblemAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.Forbidden);
        // Another school's session, or what is not an id, reads the same at every address.
        foreach (var address in new[] { "", "/compliance", "/record", "/notifications", "/recordings", "/family-links", "/attendance", "/outcome", "/teams" })
        {
            foreach (var missing in new[] { theirs, "not-an-id" })
            {
                var problem = await Api.ProblemAsync(await teacher.GetAsync($"/api/v1/sessions/{missing}{address}"), HttpStatusCode.NotFound);
                Assert.Equal(Chaperone.Scheduling.ListSessions.NotVisible, problem.GetProperty("detail").GetString());
            }
        }
        var session = await Api.JsonAsync(await other.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", session.GetProperty("status").GetString());
        Assert.Equal(Wednesday10, session.GetProperty("start").GetDateTimeOffset());
    }

    [Fact]
    public async Task TeachersListOnlyTheirOwnSessionsWhileLeadersListAll()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var mine = await TestSchool.BookOkAsync(slt, school.Booking(Wednesday10, teacher: school.TeacherId));
        var theirs = await TestSchool.BookOkAsync(slt, school.Booking(Wednesday10, pupil: school.SiblingA, guardian: school.SharedParent, teacher: school.OtherTeacherId));
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);

        var teacherIds = await ListIdsAsync(teacher);
        var sltIds = await ListIdsAsync(slt);
        var adminIds = await ListIdsAsync(admin);
        var filtered = await ListIdsAsync(teacher, $"?teacherId={school.OtherTeacherId}");

        Assert.Equal([mine], teacherIds);
        Assert.Equal(new[] { mine, theirs }.Order(), sltIds.Order());
        Assert.Equal(new[] { mine, theirs }.Order(), adminIds.Order());
        Assert.Empty(filtered);
    }

    [Fact]
    public async Task PolicySettingsAndClosuresAreForTheAdminOnly()
    {
        var school = await TestSchool.CreateAsync(app);
        var closure = new { firstDay = "2026-12-07", reason = "INSET day" };
        var settings = new { minimumNoticeHours = 72 };
        var failures = new List<string>();

        foreach (var client in new[] { await school.TeacherAsync(app), await school.SltAsync(app), await school.DslAsync(app) })
        {
            var put = await client.PutAsJsonAsync("/api/v1/policy/settings", settings);
            var post = await client.PostAsJsonAsync("/api/v1/policy/closures", closure);
            var delete = await client.DeleteAsync($"/api/v1/policy/closures/{Guid.NewGuid()}");
            failures.AddRange(new[] { put, post, delete }.Where(r => r.StatusCode != HttpStatusCode.Forbidden)
                .Select(r => $"{r.RequestMessage!.Method} {r.RequestMessage.RequestUri}: {(int)r.StatusCode}"));
        }
        var admin = await school.AdminAsync(app);
        var created = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", closure), HttpStatusCode.Created);
        var updated = await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/policy/settings", settings), HttpStatusCode.OK);
        var removed = await admin.DeleteAsync($"/api/v1/policy/closures/{created.GetProperty("id").GetString()}");

        Assert.Empty(failures);
        Assert.Equal(72, updated.GetProperty("minimumNoticeHours").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var policy = await Api.JsonAsync(await admin.GetAsync("/api/v1/policy"), HttpStatusCode.OK);
        Assert.Empty(policy.GetProperty("closures").EnumerateArray());
    }

    [Fact]
    public async Task AnAdminHostIsRefusedBecauseOnlyATeacherHostsUnderClause4()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var response = await TestSchool.BookAsync(admin, school.Booking(Wednesday10, teacher: school.AdminId));

        Assert.Contains((4, "teacher-host"), await Api.ViolationsAsync(response));
    }

    private static async Task<List<string>> ListIdsAsync(HttpClient client, string query = "")
    {
        var page = await Api.JsonAsync(await client.GetAsync("/api/v1/sessions" + query), HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }
}

public sealed class RoleAuthorizationApiOnSqlite(ChaperoneApp app) : RoleAuthorizationApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class RoleAuthorizationApiOnPostgres(PostgresChaperoneApp app) : RoleAuthorizationApiTests(app), IClassFixture<PostgresChaperoneApp>;
