using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Schools;

/// <summary>Nobody sees or touches another school's records: its ids answer 404, never 403.</summary>
public abstract class TenancyApiTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Wednesday10 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AnotherSchoolsSessionIsNotFoundForEveryVerb()
    {
        var theirs = await TestSchool.CreateAsync(app);
        var ours = await TestSchool.CreateAsync(app);
        var id = await TestSchool.BookOkAsync(await theirs.TeacherAsync(app), theirs.Booking(Wednesday10));

        foreach (var client in new[] { await ours.SltAsync(app), await ours.AdminAsync(app), await ours.TeacherAsync(app) })
        {
            await Api.ProblemAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.NotFound);
            await Api.ProblemAsync(await client.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.NotFound);
            var reschedule = await Api.RescheduleAsync(client, id, Wednesday10.AddDays(1));
            var cancel = await Api.CancelAsync(client, id);
            Assert.True(reschedule.StatusCode is HttpStatusCode.NotFound, $"reschedule answered {(int)reschedule.StatusCode}");
            await Api.ProblemAsync(cancel, HttpStatusCode.NotFound);
        }

        var session = await Api.JsonAsync(await (await theirs.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", session.GetProperty("status").GetString());
        Assert.Equal(Wednesday10, session.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(0, session.GetProperty("sequence").GetInt32());
    }

    [Fact]
    public async Task AnotherSchoolsPeopleInABookingAreReportedMissingByField()
    {
        var theirs = await TestSchool.CreateAsync(app);
        var ours = await TestSchool.CreateAsync(app);
        var slt = await ours.SltAsync(app);

        var foreignTeacher = await TestSchool.BookAsync(slt, ours.Booking(Wednesday10, teacher: theirs.TeacherId));
        var foreignPupil = await TestSchool.BookAsync(slt, ours.Booking(Wednesday10, pupil: theirs.TwoParentPupil));
        var foreignGuardian = await TestSchool.BookAsync(slt, ours.Booking(Wednesday10, guardian: theirs.Mother));
        var allForeign = await TestSchool.BookAsync(slt, theirs.Booking(Wednesday10));

        Assert.Equal(["teacherId"], Api.ErrorFields(await Api.ProblemAsync(foreignTeacher, HttpStatusCode.NotFound)));
        Assert.Equal(["pupilIds[0]"], Api.ErrorFields(await Api.ProblemAsync(foreignPupil, HttpStatusCode.NotFound)));
        Assert.Equal(["guardianIds[0]"], Api.ErrorFields(await Api.ProblemAsync(foreignGuardian, HttpStatusCode.NotFound)));
        Assert.Equal(new[] { "guardianIds[0]", "pupilIds[0]", "teacherId" },
            Api.ErrorFields(await Api.ProblemAsync(allForeign, HttpStatusCode.NotFound)).Order());
        Assert.Equal(0, await ours.SessionCountAsync(app));
        Assert.Equal(0, await theirs.SessionCountAsync(app));
    }

    [Fact]
    public async Task ListsAndSlotsShowOnlyTheCallersSchool()
    {
        var theirs = await TestSchool.CreateAsync(app);
        var ours = await TestSchool.CreateAsync(app);
        await TestSchool.BookOkAsync(await theirs.TeacherAsync(app), theirs.Booking(Wednesday10));
        var slt = await ours.SltAsync(app);

        var sessions = await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions?teacherId={theirs.TeacherId}"), HttpStatusCode.OK);
        var staff = await Api.JsonAsync(await slt.GetAsync("/api/v1/staff"), HttpStatusCode.OK);
        var pupils = await Api.JsonAsync(await slt.GetAsync("/api/v1/pupils"), HttpStatusCode.OK);
        var slots = await slt.GetAsync($"/api/v1/slots?teacherId={theirs.TeacherId}&from=2026-12-02&to=2026-12-02");
        var byPupil = await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions?pupilId={theirs.TwoParentPupil}"), HttpStatusCode.OK);

        Assert.Equal(0, sessions.GetProperty("total").GetInt32());
        Assert.Equal(0, byPupil.GetProperty("total").GetInt32());
        Assert.DoesNotContain(staff.EnumerateArray(), s => s.GetProperty("id").GetString() == theirs.TeacherId.ToString());
        Assert.Equal(6, staff.GetArrayLength());
        Assert.DoesNotContain(pupils.EnumerateArray(), p => p.GetProperty("id").GetString() == theirs.TwoParentPupil.ToString());
        Assert.Equal(5, pupils.GetArrayLength());
        Assert.Contains("teacherId", Api.ErrorFields(await Api.ProblemAsync(slots, HttpStatusCode.NotFound)));
    }

    [Fact]
    public async Task AnotherSchoolsClosureCannotBeRemoved()
    {
        var theirs = await TestSchool.CreateAsync(app);
        var ours = await TestSchool.CreateAsync(app);
        var theirAdmin = await theirs.AdminAsync(app);
        var closure = await Api.JsonAsync(
            await theirAdmin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-02", reason = "Snow" }), HttpStatusCode.Created);

        var response = await (await ours.AdminAsync(app)).DeleteAsync($"/api/v1/policy/closures/{closure.GetProperty("id").GetString()}");

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
        var policy = await Api.JsonAsync(await theirAdmin.GetAsync("/api/v1/policy"), HttpStatusCode.OK);
        Assert.Single(policy.GetProperty("closures").EnumerateArray());
    }
}

public sealed class TenancyApiOnSqlite(ChaperoneApp app) : TenancyApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class TenancyApiOnPostgres(PostgresChaperoneApp app) : TenancyApiTests(app), IClassFixture<PostgresChaperoneApp>;
