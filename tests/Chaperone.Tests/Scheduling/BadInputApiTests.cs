using System.Net;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// Malformed and hostile booking requests: each is a 400 (or a 404 for ids that name nobody)
/// problem naming the field, never a 500, and nothing is written.
/// </summary>
public abstract class BadInputApiTests(ChaperoneApp app)
{
    private const string Url = "/api/v1/sessions";
    private static readonly string Huge = new('x', 100 * 1024);

    /// <summary>A valid booking body as a JSON object, with <paramref name="change"/> applied to it.</summary>
    private static string Body(TestSchool school, Action<Dictionary<string, object?>>? change = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["teacherId"] = school.TeacherId.ToString(),
            ["pupilIds"] = new[] { school.TwoParentPupil.ToString() },
            ["guardianIds"] = new[] { school.Mother.ToString() },
            ["kind"] = "support",
            ["start"] = "2026-12-03T10:00:00+00:00",
            ["durationMinutes"] = 30,
        };
        change?.Invoke(body);
        return JsonSerializer.Serialize(body);
    }

    private async Task<IReadOnlyList<string>> PostExpectingAsync(TestSchool school, string body, HttpStatusCode status)
    {
        var client = await school.TeacherAsync(app);
        var response = await Api.PostRawAsync(client, Url, body);
        var problem = await Api.ProblemAsync(response, status);
        Assert.Equal(0, await school.SessionCountAsync(app));
        return Api.ErrorFields(problem);
    }

    [Fact]
    public async Task TheValidBodyTheseTestsStartFromBooks()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await Api.PostRawAsync(client, Url, Body(school));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"teacherId\": }")]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"a string\"")]
    public async Task MalformedJsonIs400(string body)
    {
        var school = await TestSchool.CreateAsync(app);

        await PostExpectingAsync(school, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnEmptyBodyIs400()
    {
        var school = await TestSchool.CreateAsync(app);

        await PostExpectingAsync(school, "", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnEmptyObjectIs400NamingEveryRequiredField()
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, "{}", HttpStatusCode.BadRequest);

        Assert.Equal(new[] { "durationMinutes", "guardianIds", "kind", "pupilIds", "start", "teacherId" }, fields.Order());
    }

    [Theory]
    [InlineData("durationMinutes", "\"abc\"")]
    [InlineData("durationMinutes", "1.5")]
    [InlineData("durationMinutes", "99999999999")]
    [InlineData("durationMinutes", "[30]")]
    [InlineData("pupilIds", "\"a-single-string\"")]
    [InlineData("pupilIds", "{\"id\":1}")]
    [InlineData("guardianIds", "42")]
    [InlineData("teacherId", "{\"$ne\":null}")]
    [InlineData("teacherId", "12345")]
    [InlineData("kind", "true")]
    [InlineData("start", "1764756000")]
    public async Task AFieldOfTheWrongTypeIs400NamingIt(string field, string json)
    {
        var school = await TestSchool.CreateAsync(app);
        var body = Body(school);
        var doc = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body)!;
        var raw = "{" + string.Join(",", doc.Select(p => $"\"{p.Key}\":{(p.Key == field ? json : p.Value.GetRawText())}")) + "}";

        var fields = await PostExpectingAsync(school, raw, HttpStatusCode.BadRequest);

        Assert.Contains(fields, f => f.StartsWith(field, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("teacherId")]
    [InlineData("pupilIds")]
    [InlineData("guardianIds")]
    [InlineData("kind")]
    [InlineData("start")]
    [InlineData("durationMinutes")]
    public async Task AMissingFieldIs400NamingIt(string field)
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b.Remove(field)), HttpStatusCode.BadRequest);

        Assert.Equal([field], fields);
    }

    [Theory]
    [InlineData("2026-12-03T10:00:00")]
    [InlineData("2026-12-03 10:00:00+00:00")]
    [InlineData("2026-12-03")]
    [InlineData("10:00")]
    [InlineData("2026-02-30T10:00:00Z")]
    [InlineData("2026-12-03T25:00:00Z")]
    [InlineData("2026-12-03T10:00:00+25:00")]
    [InlineData("Thursday at ten")]
    [InlineData("")]
    public async Task AStartThatIsNotAnRfc3339TimeWithAnOffsetIs400NamingStart(string start)
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b["start"] = start), HttpStatusCode.BadRequest);

        Assert.Equal(["start"], fields);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("9999-12-31T14:00:00+00:00")]
    [InlineData("9999-12-31T23:59:59-23:59")]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("0000-01-01T00:00:00+00:00")]
    public async Task StartsAtTheEdgesOfTimeAreRefusedNotAnError(string start)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await Api.PostRawAsync(client, Url, Body(school, b => b["start"] = start));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity,
            $"{start}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var problem = await Api.ProblemAsync(response, response.StatusCode);
        Assert.Contains("start", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("2999-12-31T23:59:59-14:00")]
    public async Task AStartPastTheEdgesOfTimeOnceInUtcIsRefusedNamingStartWhenCheckedOrMovedToo(string start)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var session = await TestSchool.BookOkAsync(client, school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10)));

        var check = await Api.PostRawAsync(client, Url + "/check", Body(school, b => b["start"] = start));
        var reschedule = await Api.PostRawAsync(client, $"{Url}/{session}/reschedule", JsonSerializer.Serialize(new { start, durationMinutes = 30 }));

        Assert.Equal(["start"], Api.ErrorFields(await Api.ProblemAsync(check, HttpStatusCode.BadRequest)));
        Assert.Equal(["start"], Api.ErrorFields(await Api.ProblemAsync(reschedule, HttpStatusCode.BadRequest)));
        var kept = await Api.JsonAsync(await client.GetAsync($"{Url}/{session}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", kept.GetProperty("status").GetString());
        Assert.Equal(1, await school.SessionCountAsync(app));
    }

    [Theory]
    [InlineData("Suport")]
    [InlineData("meeting")]
    [InlineData("ｓｕｐｐｏｒｔ")]
    [InlineData("")]
    public async Task AnUnknownKindIs400NamingKind(string kind)
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b["kind"] = kind), HttpStatusCode.BadRequest);

        Assert.Equal(["kind"], fields);
    }

    [Fact]
    public async Task AnUnknownProviderIs400NamingProvider()
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b["provider"] = "zoom"), HttpStatusCode.BadRequest);

        Assert.Equal(["provider"], fields);
    }

    [Theory]
    [InlineData("kind")]
    [InlineData("start")]
    [InlineData("provider")]
    public async Task AHundredKilobyteStringIs400NamingTheField(string field)
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b[field] = Huge), HttpStatusCode.BadRequest);

        Assert.Equal([field], fields);
    }

    [Theory]
    [InlineData("teacherId")]
    [InlineData("pupilIds")]
    [InlineData("guardianIds")]
    public async Task AHundredKilobyteIdNamesNobody(string field)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await Api.PostRawAsync(client, Url, Body(school, b => b[field] = field == "teacherId" ? Huge : new[] { Huge }));

        var fields = await IdProblemFieldsAsync(response);
        Assert.Contains(fields, f => f.StartsWith(field, StringComparison.Ordinal));
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    [Theory]
    [InlineData("'; DROP TABLE \"Sessions\"; --")]
    [InlineData("1 OR 1=1")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff")]
    [InlineData("Robert'); DELETE FROM \"AspNetUsers\";--")]
    [InlineData("\u0000")]
    [InlineData("😀")]
    [InlineData("../../etc/passwd")]
    public async Task GarbageAndHostileIdsNameNobodyAndTouchNothing(string id)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var asTeacher = await Api.PostRawAsync(client, Url, Body(school, b => b["teacherId"] = id));
        var asPupil = await Api.PostRawAsync(client, Url, Body(school, b => b["pupilIds"] = new[] { id }));
        var asGuardian = await Api.PostRawAsync(client, Url, Body(school, b => b["guardianIds"] = new[] { school.Mother.ToString(), id }));
        // A NUL in a URL path is refused by the server before the app sees it.
        var asSession = id.Contains('\0', StringComparison.Ordinal) ? null : await client.GetAsync($"{Url}/{Uri.EscapeDataString(id)}");

        Assert.Contains(await IdProblemFieldsAsync(asTeacher), f => f == "teacherId");
        Assert.Contains(await IdProblemFieldsAsync(asPupil), f => f.StartsWith("pupilIds", StringComparison.Ordinal));
        Assert.Contains(await IdProblemFieldsAsync(asGuardian), f => f.StartsWith("guardianIds", StringComparison.Ordinal));
        Assert.True(asSession is null || asSession.StatusCode is HttpStatusCode.NotFound, $"GET session {id}: {(int?)asSession?.StatusCode}");
        Assert.Equal(0, await school.SessionCountAsync(app));
        Assert.Equal(HttpStatusCode.Created, (await Api.PostRawAsync(client, Url, Body(school))).StatusCode);
    }

    /// <summary>The messages of a refused booking, by field.</summary>
    private async Task<Dictionary<string, string>> MessagesAsync(TestSchool school, string body)
    {
        var response = await Api.PostRawAsync(await school.TeacherAsync(app), Url, body);
        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString())));
    }

    [Fact]
    public async Task TheMessagesSayWhatToGiveInWordsTheSchoolOfficeUnderstands()
    {
        var school = await TestSchool.CreateAsync(app);

        var missing = await MessagesAsync(school, "{}");
        var badStart = await MessagesAsync(school, Body(school, b => b["start"] = "2026-12-03 10:00"));
        var blank = await MessagesAsync(school, Body(school, b => b["guardianIds"] = new[] { " " }));
        var tooMany = await MessagesAsync(school, Body(school, b => b["pupilIds"] = Enumerable.Range(0, 21).Select(_ => Guid.NewGuid().ToString()).ToArray()));
        var wrongKind = await MessagesAsync(school, Body(school, b => b["durationMinutes"] = "thirty"));

        Assert.Equal("Give the start as a date and time with its offset from UTC, like 2026-12-08T10:00:00+00:00 (or 2026-12-08T10:00:00Z, Z meaning UTC itself).", badStart["start"]);
        Assert.StartsWith("Give the start: a date and time with its offset from UTC", missing["start"], StringComparison.Ordinal);
        Assert.StartsWith("Say which pupils the session is for", missing["pupilIds"], StringComparison.Ordinal);
        Assert.StartsWith("Say which parents and carers the session is for", missing["guardianIds"], StringComparison.Ordinal);
        Assert.Equal("This one of the parents and carers is left empty: give their id, or take it out of the list.", blank["guardianIds[0]"]);
        Assert.Equal("A session is for at most 20 pupils: take some out of the list.", tooMany["pupilIds"]);
        Assert.StartsWith("‘durationMinutes’ is not the kind of value it takes (a number", wrongKind["durationMinutes"], StringComparison.Ordinal);
        foreach (var message in new[] { missing, badStart, blank, tooMany, wrongKind }.SelectMany(m => m.Values))
        {
            Assert.DoesNotMatch("RFC|GUID|IANA|enum|null|HH:mm|ids is required|ids can be given|wrong type", message);
        }
    }

    [Fact]
    public async Task TooManyIdsIs400()
    {
        var school = await TestSchool.CreateAsync(app);
        var many = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid().ToString()).ToArray();

        var fields = await PostExpectingAsync(school, Body(school, b => b["pupilIds"] = many), HttpStatusCode.BadRequest);

        Assert.Equal(["pupilIds"], fields);
    }

    [Theory]
    [InlineData("pupilIds")]
    [InlineData("guardianIds")]
    public async Task ANullOrBlankIdInAListIs400NamingItsPosition(string field)
    {
        var school = await TestSchool.CreateAsync(app);

        var fields = await PostExpectingAsync(school, Body(school, b => b[field] = new[] { null, " " }), HttpStatusCode.BadRequest);

        Assert.Equal(new[] { $"{field}[0]", $"{field}[1]" }, fields.Order());
    }

    [Fact]
    public async Task DeeplyNestedJsonIs400()
    {
        var school = await TestSchool.CreateAsync(app);
        var nested = new string('[', 5000) + new string(']', 5000);

        await PostExpectingAsync(school, $"{{\"teacherId\":{nested}}}", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task InvalidUnicodeEscapesAre400()
    {
        var school = await TestSchool.CreateAsync(app);

        await PostExpectingAsync(school, Body(school).Replace("\"support\"", "\"\\ud800\"", StringComparison.Ordinal), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TheWrongContentTypeIsRefusedNotAnError()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await Api.PostRawAsync(client, Url, Body(school), "text/plain");

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{(int)response.StatusCode}");
        Assert.Equal(0, await school.SessionCountAsync(app));
    }

    /// <summary>Ids that name nobody are a 404 naming the field, or a 400 naming it when the id is not even well formed.</summary>
    private static async Task<IReadOnlyList<string>> IdProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Api.ErrorFields(await Api.ProblemAsync(response, response.StatusCode));
    }
}

public sealed class BadInputApiOnSqlite(ChaperoneApp app) : BadInputApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class BadInputApiOnPostgres(PostgresChaperoneApp app) : BadInputApiTests(app), IClassFixture<PostgresChaperoneApp>;
