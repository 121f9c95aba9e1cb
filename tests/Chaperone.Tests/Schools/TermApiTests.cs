using System.Net;
using System.Net.Http.Json;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Schools;

/// <summary>The school's terms as the admin sets them, and the record of intervention read per term (clause 11).</summary>
public abstract class TermApiTests(ChaperoneApp app)
{
    private static object Term(string? name, string? firstDay, string? lastDay) => new { name, firstDay, lastDay };

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheAdminSetsTheTermsAndBadInputIsRefusedFieldByField()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var autumn = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", Term(" Autumn 1 ", "2026-09-03", "2026-10-23")), HttpStatusCode.Created);
        Assert.Equal(("Autumn 1", "2026-09-03", "2026-10-23"),
            (autumn.GetProperty("name").GetString(), autumn.GetProperty("firstDay").GetString(), autumn.GetProperty("lastDay").GetString()));
        var id = autumn.GetProperty("id").GetString();

        async Task<IReadOnlyList<string>> Refused(object body) => await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", body));
        Assert.Equal(["firstDay", "lastDay", "name"], (await Refused(new { })).Order());
        Assert.Equal(["firstDay", "name"], (await Refused(Term(new string('x', 61), "2026-13-01", "2026-12-01"))).Order());
        Assert.Equal(["name"], await Refused(Term("Autumn\u00072", "2026-11-02", "2026-12-18")));
        Assert.Equal(["lastDay"], await Refused(Term("Autumn 2", "2026-12-18", "2026-11-02")));
        Assert.Equal(["lastDay"], await Refused(Term("Whole year", "2026-11-02", "2027-11-02")));
        Assert.Equal(["firstDay", "lastDay"], (await Refused(Term("Far", "9999-12-01", "9999-12-31"))).Order());
        Assert.Equal(["firstDay"], await Refused(Term("Far", "1999-12-31", "2026-12-31")));
        var overlap = await Api.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", Term("Autumn 2", "2026-10-23", "2026-12-18")), HttpStatusCode.BadRequest);
        Assert.Contains("overlap Autumn 1 (2026-09-03 to 2026-10-23)", overlap.GetProperty("errors").GetProperty("firstDay")[0].GetString());
        await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", Term("Autumn 2", "2026-10-24", "2026-12-18")), HttpStatusCode.Created);

        // Every member of staff reads them, in date order; only the admin changes them.
        var teacher = await school.TeacherAsync(app);
        var terms = await Api.JsonAsync(await teacher.GetAsync("/api/v1/policy/terms"), HttpStatusCode.OK);
        Assert.Equal(["Autumn 1", "Autumn 2"], terms.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        await Api.ProblemAsync(await teacher.PostAsJsonAsync("/api/v1/policy/terms", Term("Spring 1", "2027-01-05", "2027-02-12")), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await teacher.DeleteAsync($"/api/v1/policy/terms/{id}"), HttpStatusCode.Forbidden);

        // Another school's admin cannot reach this school's term.
        var elsewhere = await (await TestSchool.CreateAsync(app)).AdminAsync(app);
        await Api.ProblemAsync(await elsewhere.DeleteAsync($"/api/v1/policy/terms/{id}"), HttpStatusCode.NotFound);
        Assert.Empty((await Api.JsonAsync(await elsewhere.GetAsync("/api/v1/policy/terms"), HttpStatusCode.OK)).EnumerateArray());
        await Api.ProblemAsync(await admin.DeleteAsync("/api/v1/policy/terms/not-an-id"), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/policy/terms/{id}")).StatusCode);
        Assert.Equal(["Autumn 2"], (await Api.JsonAsync(await teacher.GetAsync("/api/v1/policy/terms"), HttpStatusCode.OK)).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var audited = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.SubjectType == AuditSubjects.Term).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.TermAdded, AuditActions.TermAdded, AuditActions.TermRemoved], audited.Order());
    }

    [Fact]
    public async Task TheRecordOfInterventionIsReadAndExportedPerTerm()
    {
        var school = await TestSchool.CreateAsync(app);
        var (_, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Read aloud.");
        var admin = await school.AdminAsync(app);
        var during = (await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", Term("This term", Iso(start.AddDays(-20)), Iso(start.AddDays(5)))), HttpStatusCode.Created))
            .GetProperty("id").GetString();
        var next = (await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/terms", Term("Next term", Iso(start.AddDays(15)), Iso(start.AddDays(60)))), HttpStatusCode.Created))
            .GetProperty("id").GetString();
        var slt = await school.SltAsync(app);

        var report = await Api.JsonAsync(await slt.GetAsync($"/api/v1/record-of-intervention?term={during}"), HttpStatusCode.OK);
        Assert.Equal(("This term", Iso(start.AddDays(-20)), Iso(start.AddDays(5))),
            (report.GetProperty("term").GetString(), report.GetProperty("from").GetString(), report.GetProperty("to").GetString()));
        Assert.Equal("Toby Twoparents", Assert.Single(report.GetProperty("rows").EnumerateArray()).GetProperty("pupil").GetString());
        Assert.Empty((await Api.JsonAsync(await slt.GetAsync($"/api/v1/record-of-intervention?term={next}"), HttpStatusCode.OK)).GetProperty("rows").EnumerateArray());
        var csv = await slt.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?term={during}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains("Toby Twoparents", await csv.Content.ReadAsStringAsync());
        var pdf = await slt.GetAsync($"/api/v1/record-of-intervention?term={during}&format=pdf");
        Assert.Contains($"This term: {Chaperone.Pages.Display.Day(NodaTime.LocalDate.FromDateTime(start.AddDays(-20).UtcDateTime))}",
            Chaperone.Tests.Records.RecordApiTests.PdfText(await pdf.Content.ReadAsByteArrayAsync()));

        // A term and dates together, an unknown term, and another school's term are each refused on the field.
        Assert.Equal(["term"], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/record-of-intervention?term={during}&from={Iso(start)}")));
        Assert.Equal(["term"], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/record-of-intervention?term={Guid.NewGuid()}")));
        var other = await TestSchool.CreateAsync(app);
        var theirs = (await Api.JsonAsync(await (await other.AdminAsync(app)).PostAsJsonAsync("/api/v1/policy/terms", Term("Theirs", Iso(start.AddDays(-20)), Iso(start.AddDays(5)))), HttpStatusCode.Created))
            .GetProperty("id").GetString();
        Assert.Equal(["term"], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?term={theirs}")));

        // The page says what to fix in the words of its own form, without the API's addresses or field names.
        var page = System.Net.WebUtility.HtmlDecode(await slt.GetStringAsync($"/record-of-intervention?term={theirs}"));
        Assert.Contains("There is no such term in your school: choose one of its terms.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/v1", page, StringComparison.Ordinal);
        page = System.Net.WebUtility.HtmlDecode(await slt.GetStringAsync($"/pupils/{school.TwoParentPupil}/record-of-intervention?from={Iso(start)}&to={Iso(start.AddDays(-1))}"));
        Assert.Contains("The ‘From’ date must be on or before the ‘To’ date.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("'from'", page, StringComparison.Ordinal);
    }
}

public sealed class TermApiOnSqlite(ChaperoneApp app) : TermApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class TermApiOnPostgres(PostgresChaperoneApp app) : TermApiTests(app), IClassFixture<PostgresChaperoneApp>;
