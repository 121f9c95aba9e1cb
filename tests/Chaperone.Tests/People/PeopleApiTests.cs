using System.Net;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.People;

/// <summary>The school's staff and pupils as the API lists them, and the demo school as API.md describes it.</summary>
public abstract class PeopleApiTests(ChaperoneApp app)
{
    private static readonly string[] DemoAccounts =
        ["admin@demo.school", "head@demo.school", "dsl@demo.school", "teacher1@demo.school", "teacher2@demo.school", "teacher3@demo.school"];

    [Fact]
    public async Task StaffListHasIdNameEmailAndRoles()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var staff = await Api.JsonAsync(await client.GetAsync("/api/v1/staff"), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Array, staff.ValueKind);
        var teacher = staff.EnumerateArray().Single(s => s.GetProperty("id").GetString() == school.TeacherId.ToString());
        Assert.Equal(school.TeacherEmail, teacher.GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(teacher.GetProperty("name").GetString()));
        Assert.Equal(["Teacher"], teacher.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        var roles = staff.EnumerateArray().SelectMany(s => s.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)).ToHashSet();
        Assert.Subset(new HashSet<string> { "Teacher", "Slt", "Dsl", "Admin" }, roles);
        Assert.Equal(4, roles.Count);
    }

    [Fact]
    public async Task PupilListCarriesEachPupilsGuardiansWithResponsibilityAndEmail()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var pupils = await Api.JsonAsync(await client.GetAsync("/api/v1/pupils"), HttpStatusCode.OK);

        JsonElement Pupil(Guid id) => pupils.EnumerateArray().Single(p => p.GetProperty("id").GetString() == id.ToString());
        var twoParents = Pupil(school.TwoParentPupil).GetProperty("guardians").EnumerateArray().ToList();
        Assert.Equal(new[] { school.Father.ToString(), school.Mother.ToString() }.Order(),
            twoParents.Select(g => g.GetProperty("id").GetString()!).Order());
        var mother = twoParents.Single(g => g.GetProperty("id").GetString() == school.Mother.ToString());
        Assert.Equal("Mother", mother.GetProperty("relationship").GetString());
        Assert.True(mother.GetProperty("hasParentalResponsibility").GetBoolean());
        Assert.EndsWith("@family.test", mother.GetProperty("email").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(mother.GetProperty("name").GetString()));
        var carer = Assert.Single(Pupil(school.CarerOnlyPupil).GetProperty("guardians").EnumerateArray());
        Assert.False(carer.GetProperty("hasParentalResponsibility").GetBoolean());
        var noEmail = Assert.Single(Pupil(school.NoEmailPupil).GetProperty("guardians").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, noEmail.GetProperty("email").ValueKind);
    }

    [Fact]
    public async Task EveryDemoAccountSignsInWithTheConfiguredPasswordAndHasItsRole()
    {
        var admin = await app.SignInAsync("admin@demo.school");

        var staff = await Api.JsonAsync(await admin.GetAsync("/api/v1/staff"), HttpStatusCode.OK);

        var byEmail = staff.EnumerateArray().ToDictionary(s => s.GetProperty("email").GetString()!,
            s => s.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.Equal(DemoAccounts.Order(), byEmail.Keys.Order());
        Assert.Equal(["Admin"], byEmail["admin@demo.school"]);
        Assert.Equal(["Slt"], byEmail["head@demo.school"]);
        Assert.Equal(["Dsl"], byEmail["dsl@demo.school"]);
        Assert.Equal(["Teacher"], byEmail["teacher1@demo.school"]);
        Assert.Equal(["Teacher"], byEmail["teacher2@demo.school"]);
        Assert.Equal(["Teacher"], byEmail["teacher3@demo.school"]);
        foreach (var email in DemoAccounts)
        {
            var client = await app.SignInAsync(email);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/policy")).StatusCode);
        }
        var policy = await Api.JsonAsync(await admin.GetAsync("/api/v1/policy"), HttpStatusCode.OK);
        Assert.Equal("Roche CP School (demo)", policy.GetProperty("school").GetString());
    }

    [Fact]
    public async Task DemoTeacher3HasNotConfirmedFamiliarisationSoCannotHostUnderClause2()
    {
        var head = await app.SignInAsync("head@demo.school");
        var staff = await Api.JsonAsync(await head.GetAsync("/api/v1/staff"), HttpStatusCode.OK);
        var pupils = await Api.JsonAsync(await head.GetAsync("/api/v1/pupils"), HttpStatusCode.OK);
        string Familiarisation(string email) =>
            staff.EnumerateArray().Single(s => s.GetProperty("email").GetString() == email).GetProperty("familiarisationConfirmedOn").ToString();
        var teacher3 = staff.EnumerateArray().Single(s => s.GetProperty("email").GetString() == "teacher3@demo.school").GetProperty("id").GetString()!;
        var pupil = pupils.EnumerateArray().First(p => p.GetProperty("guardians").EnumerateArray()
            .Any(g => g.GetProperty("hasParentalResponsibility").GetBoolean() && g.GetProperty("email").ValueKind == JsonValueKind.String));
        var guardian = pupil.GetProperty("guardians").EnumerateArray().First(g => g.GetProperty("hasParentalResponsibility").GetBoolean());
        var teacher3Client = await app.SignInAsync("teacher3@demo.school");

        var response = await TestSchool.BookAsync(teacher3Client, new
        {
            teacherId = teacher3,
            pupilIds = new[] { pupil.GetProperty("id").GetString() },
            guardianIds = new[] { guardian.GetProperty("id").GetString() },
            kind = "support",
            start = "2026-12-02T10:00:00+00:00",
            durationMinutes = 30,
        });

        Assert.Equal("", Familiarisation("teacher3@demo.school"));
        Assert.NotEqual("", Familiarisation("teacher1@demo.school"));
        Assert.NotEqual("", Familiarisation("teacher2@demo.school"));
        Assert.Equal([(2, "platform-familiarisation")], await Api.ViolationsAsync(response));
    }

    [Fact]
    public async Task DemoPupilsIncludeSiblingsSharingAParentACarerOnlyPupilAndAParentWithoutEmail()
    {
        var client = await app.SignInAsync("teacher1@demo.school");

        var pupils = (await Api.JsonAsync(await client.GetAsync("/api/v1/pupils"), HttpStatusCode.OK)).EnumerateArray().ToList();

        var guardianLinks = pupils.SelectMany(p => p.GetProperty("guardians").EnumerateArray().Select(g => (Pupil: p.GetProperty("id").GetString(), Guardian: g.GetProperty("id").GetString())))
            .GroupBy(x => x.Guardian);
        Assert.Contains(guardianLinks, g => g.Select(x => x.Pupil).Distinct().Count() >= 2);
        Assert.Contains(pupils, p => p.GetProperty("guardians").EnumerateArray().ToList() is [var only]
            && !only.GetProperty("hasParentalResponsibility").GetBoolean());
        Assert.Contains(pupils, p => p.GetProperty("guardians").EnumerateArray().Any(g => g.GetProperty("email").ValueKind == JsonValueKind.Null));
        Assert.All(pupils, p => Assert.NotEmpty(p.GetProperty("guardians").EnumerateArray()));
    }

    [Fact]
    public async Task ConfirmingFamiliarisationLetsAnUnfamiliarTeacherHost()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.UnfamiliarTeacherAsync(app);
        var booking = school.Booking(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero), teacher: school.UnfamiliarTeacherId);
        Assert.Contains((2, "platform-familiarisation"), await Api.ViolationsAsync(await TestSchool.BookAsync(client, booking)));

        var confirmed = await Api.JsonAsync(await client.PostAsync("/api/v1/staff/me/familiarisation", null), HttpStatusCode.OK);
        var response = await TestSchool.BookAsync(client, booking);

        Assert.Equal("2026-11-30", confirmed.GetProperty("familiarisationConfirmedOn").GetString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // Clause 2's readiness record: who confirmed and when, in the audit trail.
        var audited = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.Action == Chaperone.Audit.AuditActions.FamiliarisationConfirmed)
            .Select(e => new { e.ActorId, e.SubjectId, e.Details }).SingleAsync());
        Assert.Equal(school.UnfamiliarTeacherId, audited.ActorId);
        Assert.Contains("2026-11-30", audited.Details, StringComparison.Ordinal);
    }
}

public sealed class PeopleApiOnSqlite(ChaperoneApp app) : PeopleApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class PeopleApiOnPostgres(PostgresChaperoneApp app) : PeopleApiTests(app), IClassFixture<PostgresChaperoneApp>;
