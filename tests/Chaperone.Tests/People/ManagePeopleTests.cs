using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.People;

/// <summary>The admin's roster through the API: staff, parents and carers, pupils and their links.</summary>
public abstract class ManagePeopleTests(ChaperoneApp app)
{
    [Fact]
    public async Task AnAdminAddsAParentAndAPupilWhoCanThenBeBooked()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var parent = await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "Olu Ade", relationship = "Father", hasParentalResponsibility = true, email = "olu@example.org", phone = "01726 890000" });
        Assert.Equal(HttpStatusCode.Created, parent.StatusCode);
        var parentId = (await parent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var pupil = await admin.PostAsJsonAsync("/api/v1/pupils", new { name = "Tayo Ade", dateOfBirth = "2017-04-02", guardianIds = new[] { parentId } });
        Assert.Equal(HttpStatusCode.Created, pupil.StatusCode);
        var pupilId = (await pupil.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var teacher = await school.TeacherAsync(app);
        var booked = await TestSchool.BookAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 3, 11, 0, 0, TimeSpan.Zero), Guid.Parse(pupilId!), Guid.Parse(parentId!)));

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("two@@example.org")]
    [InlineData("nobody@localhost")]
    [InlineData("spaces in@example.org")]
    public async Task AnInvalidEmailIsRefusedWhenEnteredNotWhenSent(string email)
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var response = await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "X", relationship = "Mother", hasParentalResponsibility = true, email });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task ATeacherCannotChangeTheRoster()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);

        var response = await teacher.PostAsJsonAsync("/api/v1/pupils", new { name = "Sneaky", guardianIds = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AnAdminAddsStaffWhoCanSignInWithTheInitialPassword()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var email = $"new.{Guid.NewGuid():N}@school.test";

        var response = await admin.PostAsJsonAsync("/api/v1/staff", new { name = "New Teacher", email, roles = new[] { "Teacher" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var initial = body.GetProperty("initialPassword").GetString()!;
        var client = await app.SignInAsync(email, initial);
        // They choose their own password before anything else.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/staff")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = initial, newPassword = "their very own password" })).StatusCode);
        client = await app.SignInAsync(email, "their very own password");
        var staff = await client.GetFromJsonAsync<JsonElement>("/api/v1/staff");

        Assert.Contains(staff.EnumerateArray(), s => s.GetProperty("email").GetString() == email && s.GetProperty("roles")[0].GetString() == "Teacher");
        var duplicate = await admin.PostAsJsonAsync("/api/v1/staff", new { name = "Again", email, roles = new[] { "Teacher" } });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
    }

    [Fact]
    public async Task AnAdminChangesAMemberOfStaffsNameAndAddressWhoThenSignsInAtTheNewOne()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        var email = $"married.{Guid.NewGuid():N}@school.test";
        Task<HttpResponseMessage> PutAsync(Guid id, object body) => admin.PutAsJsonAsync($"/api/v1/staff/{id}", body);

        Assert.Equal(["email", "name", "roles"], (await Api.BadRequestFieldsAsync(await PutAsync(school.TeacherId, new { name = " ", email = "not an address", roles = Array.Empty<string>() }))).Order());
        Assert.Equal(["email"], await Api.BadRequestFieldsAsync(await PutAsync(school.TeacherId, new { name = "Ann Other", email = school.OtherTeacherEmail, roles = new[] { "Teacher" } })));
        Assert.Equal(["roles"], await Api.BadRequestFieldsAsync(await PutAsync(school.AdminId, new { name = "Admin", email = school.AdminEmail, roles = new[] { "Teacher" } })));
        await Api.ProblemAsync(await PutAsync(other.TeacherId, new { name = "Ann Other", email, roles = new[] { "Teacher" } }), HttpStatusCode.NotFound);
        // Nothing refused was kept.
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);

        // A new name alone ends no sign-in.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(school.TeacherId, new { name = "Ann Other", email = school.TeacherEmail, roles = new[] { "Teacher" } })).StatusCode);
        Assert.Contains((await Api.JsonAsync(await admin.GetAsync("/api/v1/staff"), HttpStatusCode.OK)).EnumerateArray(),
            s => s.GetProperty("id").GetString() == school.TeacherId.ToString() && s.GetProperty("name").GetString() == "Ann Other");
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);

        var changed = await Api.JsonAsync(await PutAsync(school.TeacherId, new { name = "Ann Married", email = " " + email + " ", roles = new[] { "Teacher" } }), HttpStatusCode.OK);

        Assert.Equal(("Ann Married", email), (changed.GetProperty("name").GetString(), changed.GetProperty("email").GetString()));
        // Their sign-ins made before end; they sign in at the new address, not the old.
        await Api.ProblemAsync(await teacher.GetAsync("/api/v1/sessions"), HttpStatusCode.Unauthorized);
        await Api.ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password }), HttpStatusCode.Unauthorized);
        var me = await Api.JsonAsync(await (await app.SignInAsync(email, TestSchool.Password)).GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
        Assert.Equal("Ann Married", me.GetProperty("name").GetString());
        Assert.Contains(Chaperone.Audit.AuditActions.StaffDetailsChanged,
            await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()));
    }

    [Fact]
    public async Task LinkingAParentOfAnotherSchoolIsNotFound()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var response = await admin.PostAsJsonAsync("/api/v1/pupils", new { name = "Pupil", guardianIds = new[] { other.Mother.ToString() } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("guardianIds[0]", out _));
    }
}

public sealed class ManagePeopleOnSqlite(ChaperoneApp app) : ManagePeopleTests(app), IClassFixture<ChaperoneApp>;

public sealed class ManagePeopleOnPostgres(PostgresChaperoneApp app) : ManagePeopleTests(app), IClassFixture<PostgresChaperoneApp>;
