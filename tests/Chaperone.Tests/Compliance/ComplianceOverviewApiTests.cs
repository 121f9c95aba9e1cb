using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Compliance;

/// <summary>
/// The compliance dashboard's API: every session of a range judged clause by clause, the ones to
/// look at (a breach, or over with a clause still pending) listed newest first, and each clause's
/// tally; the whole school for leaders, a teacher's own sessions for a teacher.
/// </summary>
public abstract class ComplianceOverviewApiTests(ChaperoneApp app)
{
    private static string Day(DateTimeOffset t) => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonElement> OverviewAsync(HttpClient client, string query) =>
        await Api.JsonAsync(await client.GetAsync($"/api/v1/compliance?{query}"), HttpStatusCode.OK);

    private static string[] Ids(JsonElement overview) =>
        overview.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("session").GetProperty("id").GetString()!).ToArray();

    [Fact]
    public async Task LeadersSeeWhichSessionsBrokeAClauseAndWhichAreOverWithAClauseStillPending()
    {
        var school = await TestSchool.CreateAsync(app);
        // A call held by the book; a call where the teacher never gave the expectations (clause 7);
        // a session whose time has passed with no call and no outcome; one still to come.
        var (settled, first) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Fine.");
        var breachedStart = CallClient.NextSessionStart(app);
        var breached = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(breachedStart, school.TwoParentPupil, school.Mother)));
        await CallClient.RunCallAsync(app, school, breached, breachedStart, "completed", "No expectations given.", giveExpectations: false);
        var missedStart = CallClient.NextSessionStart(app);
        var missed = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(missedStart, school.TwoParentPupil, school.Mother));
        app.Clock.SetUtcNow(missedStart.AddHours(2));
        var upcomingStart = CallClient.NextSessionStart(app);
        var upcoming = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(upcomingStart, school.TwoParentPupil, school.Mother));
        var range = $"from={Day(first)}&to={Day(upcomingStart)}";

        var slt = await school.SltAsync(app);
        var overview = await OverviewAsync(slt, range);

        Assert.Equal(4, overview.GetProperty("sessions").GetInt32());
        Assert.Equal(1, overview.GetProperty("breached").GetInt32());
        Assert.Equal(1, overview.GetProperty("unsettled").GetInt32());
        Assert.Equal(1, overview.GetProperty("settled").GetInt32());
        Assert.Equal(1, overview.GetProperty("upcoming").GetInt32());
        Assert.Equal("attention", overview.GetProperty("show").GetString());
        Assert.Equal([missed, breached.ToString()], Ids(overview)); // newest first
        var items = overview.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("unsettled", items[0].GetProperty("state").GetString());
        Assert.Contains(11, items[0].GetProperty("pending").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal("breached", items[1].GetProperty("state").GetString());
        Assert.Equal([7], items[1].GetProperty("breached").EnumerateArray().Select(c => c.GetInt32()));
        var expectations = overview.GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 7);
        Assert.Equal(1, expectations.GetProperty("breached").GetInt32());
        Assert.Equal(1, expectations.GetProperty("met").GetInt32());
        Assert.Equal(2, expectations.GetProperty("pending").GetInt32());

        // The same sessions as CSV, each with its verdict per clause.
        var csvResponse = await slt.GetAsync($"/api/v1/compliance?{range}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var csv = Chaperone.Tests.Records.RecordApiTests.ReadCsv(await csvResponse.Content.ReadAsByteArrayAsync(), Chaperone.Compliance.ComplianceCsv.Headers);
        Assert.Equal([missed, breached.ToString()], csv.Select(r => r["Session id"]));
        Assert.Equal("breached", csv[1]["Clause 7: Expectations"]);
        Assert.Equal("pending", csv[0]["Clause 11: Attendance on the record of intervention"]);
        Assert.Equal("unsettled", csv[0]["Where it stands"]);
        Assert.Equal(["format"], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/compliance?{range}&format=xml")));

        var all = await OverviewAsync(slt, range + "&show=all");
        Assert.Equal([upcoming, missed, breached.ToString(), settled.ToString()], Ids(all));
        Assert.Equal((1, 500, 1), (all.GetProperty("page").GetInt32(), all.GetProperty("pageSize").GetInt32(), all.GetProperty("pages").GetInt32()));
        // A page at a time, newest first: the pages together are the whole list, once each.
        var pages = new List<string>();
        for (var page = 1; page <= 3; page++)
        {
            var one = await OverviewAsync(slt, range + $"&show=all&pageSize=3&page={page}");
            Assert.Equal((page, 3, 2, 4), (one.GetProperty("page").GetInt32(), one.GetProperty("pageSize").GetInt32(), one.GetProperty("pages").GetInt32(), one.GetProperty("matching").GetInt32()));
            pages.AddRange(Ids(one));
        }
        Assert.Equal(Ids(all), pages);
        Assert.Equal([breached.ToString()], Ids(await OverviewAsync(slt, range + "&show=breached")));

        // Marking the missed session as not attended settles it.
        await Api.JsonAsync(await (await school.TeacherAsync(app)).PostAsJsonAsync($"/api/v1/sessions/{missed}/outcome", new { outcome = "did-not-attend" }), HttpStatusCode.OK);
        var after = await OverviewAsync(slt, range);
        Assert.Equal([breached.ToString()], Ids(after));
        Assert.Equal(2, after.GetProperty("settled").GetInt32());

        // A teacher sees their own sessions only; another school sees none of these.
        Assert.Equal(4, (await OverviewAsync(await school.TeacherAsync(app), range + "&show=all")).GetProperty("sessions").GetInt32());
        Assert.Equal(0, (await OverviewAsync(await school.OtherTeacherAsync(app), range + "&show=all")).GetProperty("sessions").GetInt32());
        var elsewhere = await TestSchool.CreateAsync(app);
        Assert.Equal(0, (await OverviewAsync(await elsewhere.SltAsync(app), range + "&show=all")).GetProperty("sessions").GetInt32());
    }

    [Fact]
    public async Task ACallClosedBeforeItsBookedEndIsCountedAsOverNotAsUpcoming()
    {
        var school = await TestSchool.CreateAsync(app);
        var (id, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Finished early.");
        var slt = await school.SltAsync(app);
        var end = (await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("end").GetDateTimeOffset();
        Assert.True(app.Clock.GetUtcNow() < end, "The call should end before its booked end.");

        var overview = await OverviewAsync(slt, $"from={Day(start)}&to={Day(start)}&show=all");
        Assert.Equal(0, overview.GetProperty("upcoming").GetInt32());
        Assert.NotEqual("upcoming", Assert.Single(overview.GetProperty("items").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AConcernRaisedAboutASessionMeetsClause12()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start, school.TwoParentPupil, school.Mother));
        var concern = await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, sessionId = id, kind = "behaviour",
            summary = "Shouting at a sibling", detail = "Toby shouted at his sister while we were talking.",
        }), HttpStatusCode.Created);
        var reference = concern.GetProperty("reference").GetString()!;

        var clause12 = (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 12);

        Assert.Equal("met", clause12.GetProperty("status").GetString());
        var evidence = Assert.Single(clause12.GetProperty("evidence").EnumerateArray()).GetProperty("text").GetString()!;
        Assert.Contains(reference, evidence, StringComparison.Ordinal);
        // The reference only: not what kind of concern it is, nor what it says.
        Assert.DoesNotContain("behaviour", evidence, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Shouting", evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFiltersAreRefusedFieldByField()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);

        Assert.Equal(["show"], await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?show=everything")));
        Assert.Equal(["from"], await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?from=2026-13-01")));
        Assert.Equal(["from"], await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?from=2026-12-10&to=2026-12-01")));
        Assert.Equal(["to"], await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?from=2020-01-01&to=2026-12-01")));
        Assert.Equal(["page", "pageSize"], (await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?page=0&pageSize=501"))).Order());
        Assert.Equal(["page", "pageSize"], (await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?page=two&pageSize=-1"))).Order());
        Assert.Equal(["page"], await Api.BadRequestFieldsAsync(await slt.GetAsync("/api/v1/compliance?page=99999999999")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnonymousClient(app).GetAsync("/api/v1/compliance")).StatusCode);
    }
}

public sealed class ComplianceOverviewApiOnSqlite(ChaperoneApp app) : ComplianceOverviewApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ComplianceOverviewApiOnPostgres(PostgresChaperoneApp app) : ComplianceOverviewApiTests(app), IClassFixture<PostgresChaperoneApp>;
