using System.Net;
using System.Net.Http.Json;
using System.Text;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.People;

/// <summary>
/// Mistakes on the admin's roster said on the field to fix, on the People page, through the API and
/// in a roster import, keeping what was typed. "Now" is Monday 30 November 2026.
/// </summary>
public abstract class PeopleFormTests(ChaperoneApp app)
{
    private const string ImportHeader = "Pupil name,Date of birth,Parent or carer name,Relationship,Parental responsibility,Email,Phone\n";

    [Theory]
    [InlineData("2026-12-01", "future")]
    [InlineData("2031-05-04", "future")]
    [InlineData("2025-06-01", "younger than 2")]
    [InlineData("1899-12-31", "older than 25")]
    [InlineData("2001-11-29", "older than 25")]
    public async Task ADateOfBirthNoPupilCouldHaveIsRefusedOnItsFieldThroughThePageAndTheApi(string born, string said)
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SavePupil", ("PupilName", "Tam Slip"), ("DateOfBirth", born)));
        Assert.Contains(said, PageForms.FieldError(page, "pupil-dob"), StringComparison.Ordinal);
        Assert.Equal([("pupil-dob", PageForms.FieldError(page, "pupil-dob")!)], PageForms.Summary(page));
        Assert.Equal(("Tam Slip", born), (PageForms.Value(page, "pupil-name"), PageForms.Value(page, "pupil-dob")));

        var added = await admin.PostAsJsonAsync("/api/v1/pupils", new { name = "Tam Slip", dateOfBirth = born, guardianIds = Array.Empty<string>() });
        Assert.Equal(["dateOfBirth"], await Api.BadRequestFieldsAsync(added));
        var changed = await admin.PutAsJsonAsync($"/api/v1/pupils/{school.SiblingA}", new { name = "Changed Name", dateOfBirth = born, guardianIds = new[] { school.SharedParent.ToString() } });
        Assert.Equal(["dateOfBirth"], await Api.BadRequestFieldsAsync(changed));
        Assert.Equal(0, await app.WithDbAsync(db => db.Pupils.CountAsync(p => p.SchoolId == school.SchoolId && (p.Name == "Tam Slip" || p.Name == "Changed Name"))));
    }

    [Fact]
    public async Task APupilAgedTwoToTwentyFiveIsTaken()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        foreach (var born in new[] { "2024-11-30", "2001-11-30", "2017-04-02" })
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/pupils", new { name = "Age " + born, dateOfBirth = born, guardianIds = Array.Empty<string>() })).StatusCode);
        }
    }

    [Fact]
    public async Task WhatToFixIsSaidInStaffsWordsNotTheApisSpellings()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var staff = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "AddStaff", ("StaffName", "Rory Roleless"), ("StaffEmail", $"rory.{Guid.NewGuid():N}@school.test")));
        Assert.Equal("Choose at least one role: teacher, senior leader, DSL or admin.", PageForms.FieldError(staff, "staff-roles"));
        var parent = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SaveGuardian", ("GuardianName", "Pat Unsure"), ("Relationship", "Mother")));
        Assert.Equal("Choose yes or no: whether they hold parental responsibility.", PageForms.FieldError(parent, "guardian-pr"));

        var unknown = await Api.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name = "X", email = "x@school.test", roles = new[] { "Boss" } }), HttpStatusCode.BadRequest);
        Assert.Equal("'Boss' is not a role: give teacher, senior leader, DSL or admin.", unknown.GetProperty("errors").GetProperty("roles")[0].GetString());
        // As the message says, the words staff use name the roles, through the API as in a staff import.
        var added = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name = "Sue Senior", email = $"sue.{Guid.NewGuid():N}@school.test", roles = new[] { "senior leader", "teacher" }, invite = true }), HttpStatusCode.Created);
        Assert.Equal(["Slt", "Teacher"], added.GetProperty("staff").GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order());
    }

    [Fact]
    public async Task TheErrorSummaryListsTheMistakesInTheOrderOfTheFieldsOnThePage()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        // Checked as name, roles, email; shown as name, email, roles.
        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "AddStaff", ("StaffName", " "), ("StaffEmail", "not an address")));

        var fields = page.QuerySelectorAll("#staff-form [id]").Select(e => e.Id).Where(id => id is "staff-name" or "staff-email" or "staff-roles").ToList();
        Assert.Equal(["staff-name", "staff-email", "staff-roles"], fields);
        Assert.Equal(fields, PageForms.Summary(page).Select(e => e.Field));
    }

    [Fact]
    public async Task AParentWithTheAddressOfOneHeldIsRefusedNamingThemAndPointingToLinking()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var email = await app.WithDbAsync(db => db.Guardians.Where(g => g.Id == school.SharedParent).Select(g => g.Email!).SingleAsync());
        var guardians = await app.WithDbAsync(db => db.Guardians.CountAsync(g => g.SchoolId == school.SchoolId));

        // The siblings' mother, added again for a third child: in another case, too.
        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SaveGuardian",
            ("GuardianName", "Sam Parent"), ("Relationship", "Mother"), ("ParentalResponsibility", "true"), ("GuardianEmail", email.ToUpperInvariant())));
        var said = PageForms.FieldError(page, "guardian-email");
        Assert.StartsWith("Sam Parent (Mother of Ava Sibling and Ben Sibling) already has this email address.", said, StringComparison.Ordinal);
        Assert.Contains("tick Sam Parent among the parents and carers on the pupil's form", said, StringComparison.Ordinal);
        Assert.Equal(("Sam Parent", email.ToUpperInvariant()), (PageForms.Value(page, "guardian-name"), PageForms.Value(page, "guardian-email")));

        Assert.Equal(["email"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "Sam Parent", relationship = "Mother", hasParentalResponsibility = true, email })));
        Assert.Equal(["email"], await Api.BadRequestFieldsAsync(await admin.PutAsJsonAsync($"/api/v1/guardians/{school.Mother}", new { name = "Mia Mother", relationship = "Mother", hasParentalResponsibility = true, email })));
        Assert.Equal(guardians, await app.WithDbAsync(db => db.Guardians.CountAsync(g => g.SchoolId == school.SchoolId)));
        // Their own address, kept as it is, is no one else's.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/guardians/{school.SharedParent}", new { name = "Sam Parent", relationship = "Mother", hasParentalResponsibility = true, email, phone = "01726 890000" })).StatusCode);
    }

    [Fact]
    public async Task AClosureOverlappingOneHeldIsRefusedNamingIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-21", lastDay = "2027-01-01", reason = "Christmas holidays" }), HttpStatusCode.Created);

        var again = await Api.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-21", lastDay = "2027-01-01", reason = "Christmas" }), HttpStatusCode.BadRequest);
        Assert.Equal("The school already has this closure: “Christmas holidays”, Monday 21 December 2026 to Friday 1 January 2027.", again.GetProperty("errors").GetProperty("firstDay")[0].GetString());
        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/settings", "AddClosure", ("FirstDay", "2026-12-18"), ("LastDay", "2026-12-22"), ("Reason", "INSET and Christmas")));
        Assert.StartsWith("These days overlap the closure “Christmas holidays”, Monday 21 December 2026 to Friday 1 January 2027", PageForms.FieldError(page, "firstDay"), StringComparison.Ordinal);
        Assert.Equal(("2026-12-18", "2026-12-22", "INSET and Christmas"), (PageForms.Value(page, "firstDay"), PageForms.Value(page, "lastDay"), PageForms.Value(page, "reason")));

        Assert.Equal(1, await app.WithDbAsync(db => db.Closures.CountAsync(c => c.SchoolId == school.SchoolId)));
        // The day after is free to close.
        await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2027-01-04", reason = "INSET day" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task ANulInANameIsRefusedOnItsFieldKeepingTheRestOfWhatWasTyped()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SaveGuardian",
            ("GuardianName", "Olu\u0000 Ade"), ("Relationship", "Father"), ("ParentalResponsibility", "true"), ("GuardianEmail", "olu.nul@example.org")));

        Assert.Contains("a character that cannot be kept", PageForms.FieldError(page, "guardian-name"), StringComparison.Ordinal);
        Assert.Equal(("Olu Ade", "Father", "olu.nul@example.org"), (PageForms.Value(page, "guardian-name"), PageForms.Value(page, "guardian-relationship"), PageForms.Value(page, "guardian-email")));
        Assert.Equal(["name"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "Olu\u0000 Ade", relationship = "Father", hasParentalResponsibility = true })));
        Assert.Equal(0, await app.WithDbAsync(db => db.Guardians.CountAsync(g => g.SchoolId == school.SchoolId && g.Relationship == "Father" && g.Email == "olu.nul@example.org")));
    }

    [Fact]
    public async Task ARosterImportRefusesADateOfBirthInTheFutureOrLongAgoByRow()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var csv = ImportHeader
            + "Ann Fine,2018-03-04,Di Fine,Mother,yes,di.fine@family.test,\n"
            + "Ben Future,01/12/2027,Di Fine,Mother,yes,di.fine@family.test,\n"
            + "Cy Old,1890-01-01,Di Fine,Mother,yes,di.fine@family.test,\n";

        var problem = await Api.ProblemAsync(await admin.PostAsync("/api/v1/people/import", new StringContent(csv, Encoding.UTF8, "text/csv")), HttpStatusCode.BadRequest);

        Assert.Equal(["rows[3].dateOfBirth", "rows[4].dateOfBirth"], Api.ErrorFields(problem).Order(StringComparer.Ordinal));
        Assert.Contains("future", problem.GetProperty("errors").GetProperty("rows[3].dateOfBirth")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Pupils.CountAsync(p => p.SchoolId == school.SchoolId && p.Name == "Ann Fine")));
    }
}

public sealed class PeopleFormsOnSqlite(ChaperoneApp app) : PeopleFormTests(app), IClassFixture<ChaperoneApp>;

public sealed class PeopleFormsOnPostgres(PostgresChaperoneApp app) : PeopleFormTests(app), IClassFixture<PostgresChaperoneApp>;
