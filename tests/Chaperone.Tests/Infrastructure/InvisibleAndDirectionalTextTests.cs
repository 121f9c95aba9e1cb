using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// Text that shows nothing (zero-width spaces, direction marks, ideographic spaces, U+FEFF) is
/// empty wherever text is required, with the field's own error for empty text; names that carry
/// characters changing the direction of text are refused, and so are such characters in other text.
/// </summary>
public abstract class InvisibleAndDirectionalTextTests(ChaperoneApp app)
{
    public static TheoryData<string> NothingVisible => ["\u200b", "\u202e", "\u3000\u200b", "\ufeff", "\u200d\u2060\u180e", " \u00a0\u2028\u034f"];

    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static async Task<string> ErrorAsync(HttpResponseMessage response, string field) =>
        (await Api.ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty(field)[0].GetString()!;

    [Theory]
    [MemberData(nameof(NothingVisible))]
    public async Task AConcernsTextOfNothingVisibleIsRefusedAsEmpty(string invisible)
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);

        var raised = await teacher.PostAsJsonAsync("/api/v1/concerns", new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "safeguarding", summary = invisible, detail = invisible });
        var problem = await Api.ProblemAsync(raised, HttpStatusCode.BadRequest);
        Assert.Equal(["detail", "summary"], Api.ErrorFields(problem).Order(StringComparer.Ordinal));
        var empty = await Api.ProblemAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "safeguarding", summary = "", detail = "" }), HttpStatusCode.BadRequest);
        Assert.Equal(empty.GetProperty("errors").GetProperty("summary")[0].GetString(), problem.GetProperty("errors").GetProperty("summary")[0].GetString());

        var id = (await RaiseAsync(teacher, Safeguarding(school))).GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{id}/acknowledge", null), HttpStatusCode.OK);
        Assert.Equal("Write what was done, decided or corrected.", await ErrorAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{id}/actions", new { text = invisible }), "text"));
        Assert.StartsWith("Write the outcome that closes it", await ErrorAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{id}/close", new { text = invisible }), "text"), StringComparison.Ordinal);

        var concern = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{id}"), HttpStatusCode.OK);
        Assert.False(concern.GetProperty("closed").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(NothingVisible))]
    public async Task ACancellationClosureOrPersonWithNothingVisibleIsRefusedAsEmpty(string invisible)
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);
        var session = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        Assert.Equal(await ErrorAsync(await Api.CancelAsync(teacher, session, ""), "reason"), await ErrorAsync(await Api.CancelAsync(teacher, session, invisible), "reason"));
        Assert.Equal("Say what the closure is, e.g. Christmas holidays.",
            await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2027-01-04", reason = invisible }), "reason"));
        Assert.Equal("A name is required.", await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/pupils", new { name = invisible, dateOfBirth = "2019-05-04", guardianIds = Array.Empty<string>() }), "name"));
        Assert.Equal("A name is required.", await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name = invisible, relationship = "Father", hasParentalResponsibility = true }), "name"));
        Assert.StartsWith("Say how they are related", await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "Olu Ade", relationship = invisible, hasParentalResponsibility = true }), "relationship"), StringComparison.Ordinal);
        Assert.Equal("A name is required.", await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name = invisible, email = "blank.name@example.org", roles = new[] { "Teacher" } }), "name"));

        var fetched = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{session}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", fetched.GetProperty("status").GetString());
        Assert.Equal(0, await app.WithDbAsync(db => db.Closures.CountAsync(c => c.SchoolId == school.SchoolId)));
    }

    [Fact]
    public async Task APupilsNameOfNothingVisibleIsRefusedOnThePeoplePageAsEmpty()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SavePupil", ("PupilName", "\u200b\u3000\u200b"), ("DateOfBirth", "2019-05-04")));

        Assert.Equal("A name is required.", PageForms.FieldError(page, "pupil-name"));
        Assert.Equal("2019-05-04", PageForms.Value(page, "pupil-dob"));
        Assert.Equal(0, await app.WithDbAsync(db => db.Pupils.CountAsync(p => p.SchoolId == school.SchoolId && p.DateOfBirth == new DateOnly(2019, 5, 4))));
    }

    [Theory]
    [InlineData("Ava \u202eSmith")]
    [InlineData("\u202dTom Jones\u202c")]
    [InlineData("\u2067Ali\u2069 Khan")]
    [InlineData("Mia \u202b\u202a Lee")]
    public async Task ANameThatChangesTheDirectionOfTextIsRefusedOnItsField(string name)
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        const string said = "The name has characters that change the direction of text: please type it again.";

        Assert.Equal(said, await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/pupils", new { name, dateOfBirth = "2019-05-04", guardianIds = Array.Empty<string>() }), "name"));
        Assert.Equal(said, await ErrorAsync(await admin.PutAsJsonAsync($"/api/v1/pupils/{school.SiblingA}", new { name, dateOfBirth = "2019-05-04", guardianIds = new[] { school.SharedParent.ToString() } }), "name"));
        Assert.Equal(said, await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name, relationship = "Mother", hasParentalResponsibility = true }), "name"));
        Assert.Equal(said, await ErrorAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name, email = "direction@example.org", roles = new[] { "Teacher" } }), "name"));

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(admin, "/admin/people", "SavePupil", ("PupilName", name), ("DateOfBirth", "2019-05-04")));
        Assert.Equal(said, PageForms.FieldError(page, "pupil-name"));
        Assert.DoesNotContain(PageForms.Value(page, "pupil-name")!, c => c is (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'));

        Assert.Equal(0, await app.WithDbAsync(db => db.Pupils.CountAsync(p => p.SchoolId == school.SchoolId && p.DateOfBirth == new DateOnly(2019, 5, 4))));
    }

    [Fact]
    public async Task OtherTextThatChangesTheDirectionOfTextIsRefusedButRightToLeftWritingIsKept()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);
        var session = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(await Api.CancelAsync(teacher, session, "Teacher unwell \u202e, sorry")));
        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2027-01-04", reason = "INSET \u2066day" })));

        // Arabic and Hebrew, and the direction marks that go with them, are ordinary writing.
        await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/guardians", new { name = "مريم \u200fخان", relationship = "אמא", hasParentalResponsibility = true }), HttpStatusCode.Created);
        var cancelled = await Api.CancelAsync(teacher, session, "المعلم مريض \u200e(unwell)");
        Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
    }
}

public sealed class InvisibleAndDirectionalTextOnSqlite(ChaperoneApp app) : InvisibleAndDirectionalTextTests(app), IClassFixture<ChaperoneApp>;
public sealed class InvisibleAndDirectionalTextOnPostgres(PostgresChaperoneApp app) : InvisibleAndDirectionalTextTests(app), IClassFixture<PostgresChaperoneApp>;
