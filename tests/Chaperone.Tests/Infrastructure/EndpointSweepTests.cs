using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chaperone.Tests.Concerns;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// Every operation the OpenAPI document lists, called as a person with no business there would
/// call it: without signing in, as staff of another school with this school's ids, and with ids
/// and bodies that are nonsense. None answers 500; none gives another school's data or changes it;
/// none lets a stranger in where the API says sign-in is needed.
/// </summary>
public abstract class EndpointSweepTests(ChaperoneApp app)
{
    /// <summary>Operations open without signing in: their own token or code is the key, or they serve everyone.</summary>
    private static readonly string[] OpenToAnyone =
    [
        "/api/v1/auth/", "/api/v1/family/", "/family/", "/calendar/",
    ];

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<List<(string Method, string Path)>> OperationsAsync() =>
        [.. (await OperationsWithQueriesAsync()).Select(o => (o.Method, o.Path))];

    /// <summary>The document's operations, each with the names of its query parameters.</summary>
    private async Task<List<(string Method, string Path, List<string> Query)>> OperationsWithQueriesAsync()
    {
        var document = await Api.JsonAsync(await Api.AnonymousClient(app).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var operations = new List<(string, string, List<string>)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            operations.AddRange(path.Value.EnumerateObject().Where(m => Methods.Contains(m.Name)).Select(m => (m.Name.ToUpperInvariant(), path.Name,
                m.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [])));
        }
        Assert.True(operations.Count > 40, $"the document lists the API ({operations.Count} operations)");
        return operations;
    }

    /// <summary>This school's ids, by the collection a path parameter follows.</summary>
    private static string Fill(string path, Dictionary<string, string> ids, string fallback) =>
        System.Text.RegularExpressions.Regex.Replace(path, @"(?<collection>[^/{}]+)/\{(?<name>[^}]+)\}", m =>
            m.Groups["collection"].Value + "/" + (ids.TryGetValue(m.Groups["collection"].Value, out var id) ? id : fallback));

    private static HttpRequestMessage Request(string method, string url, string? body) =>
        new(new HttpMethod(method), url)
        {
            Content = body is null || method is "GET" or "DELETE" ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };

    private async Task<(TestSchool School, Dictionary<string, string> Ids)> SchoolWithRecordsAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var session = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10)));
        var concern = (await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "Shouting", detail = "Shouted at a sibling.",
        }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sessions"] = session,
            ["pupils"] = school.TwoParentPupil.ToString(),
            ["guardians"] = school.Mother.ToString(),
            ["concerns"] = concern,
            ["staff"] = school.TeacherId.ToString(),
            ["people"] = school.TeacherId.ToString(),
            ["users"] = school.TeacherId.ToString(),
            ["schools"] = school.SchoolId.ToString(),
        };
        return (school, ids);
    }

    /// <summary>The school's admin, a teacher and the DSL (signed in with two factors), each signed in.</summary>
    private async Task<(string Who, HttpClient Client)[]> StaffOfAsync(TestSchool school) =>
    [
        ("admin", await school.AdminAsync(app)),
        ("teacher", await school.TeacherAsync(app)),
        ("DSL", (await ConcernTestSupport.LeadersAsync(app, school)).Dsl),
    ];

    [Fact]
    public async Task NoOperationAnswers500OrLetsAStrangerInOrGivesAnotherSchoolsRecords()
    {
        var operations = await OperationsAsync();
        var (school, ids) = await SchoolWithRecordsAsync();
        var other = await TestSchool.CreateAsync(app);
        var anonymous = Api.AnonymousClient(app);
        var strangers = new (string Who, HttpClient Client)[]
        {
            ("another school's admin", await other.AdminAsync(app)),
            ("another school's teacher", await other.TeacherAsync(app)),
            ("another school's DSL", (await ConcernTestSupport.LeadersAsync(app, other)).Dsl),
        };
        var wrong = new List<string>();

        foreach (var (method, path) in operations)
        {
            var url = Fill(path, ids, Guid.NewGuid().ToString());
            var open = OpenToAnyone.Any(p => path.StartsWith(p, StringComparison.Ordinal));
            using (var response = await anonymous.SendAsync(Request(method, url, "{}")))
            {
                var status = (int)response.StatusCode;
                if (status >= 500 || (!open && status is >= 200 and < 300))
                {
                    wrong.Add($"{method} {path} without signing in: {status}");
                }
            }
            foreach (var (who, client) in strangers)
            {
                using var response = await client.SendAsync(Request(method, url, "{}"));
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                // An address naming this school's record must not answer with it, nor change it;
                // a list answers with the caller's own school only.
                var leaks = ids.Values.Where(id => body.Contains(id, StringComparison.OrdinalIgnoreCase)).ToList();
                if (status >= 500 || (path.Contains('{', StringComparison.Ordinal) && !open && status is >= 200 and < 300) || leaks.Count > 0)
                {
                    wrong.Add($"{method} {path} as {who}: {status}{(leaks.Count > 0 ? " with this school's ids " + string.Join(", ", leaks) : "")}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        // This school's records are as they were.
        var teacher = await school.TeacherAsync(app);
        Assert.Equal("scheduled", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{ids["sessions"]}"), HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task NonsenseIdsAndBodiesGetAClearErrorNot500()
    {
        var operations = await OperationsAsync();
        var (school, real) = await SchoolWithRecordsAsync();
        var callers = await StaffOfAsync(school);
        // The school's own records (reached with nonsense bodies), then ids that name nothing.
        string[] ids = ["real", "not-an-id", "00000000-0000-0000-0000-000000000000", new string('9', 400), "%E2%80%AE%20"];
        string[] bodies = ["{", "[]", "null", "\"text\"", "{\"start\":42,\"pupilIds\":\"x\",\"kind\":[],\"summary\":{},\"name\":1e400}", "{\"\\ud800\":\"\\udfff\"}",
            "{\"schoolDays\":[null,\"\"],\"pupilIds\":[null],\"guardianIds\":[null],\"roles\":[null],\"checklist\":[null],\"ticked\":[null],\"closures\":[null],\"terms\":[null],\"schoolHours\":null,\"periods\":[null],\"accounts\":[null]}"];
        var wrong = new List<string>();

        foreach (var (method, path) in operations)
        {
            foreach (var (who, client) in callers)
            {
                foreach (var id in path.Contains('{', StringComparison.Ordinal) ? ids : ["-"])
                {
                    var url = id == "real" ? Fill(path, real, Guid.NewGuid().ToString()) : Fill(path, [], id);
                    foreach (var body in method is "GET" or "DELETE" ? [null] : bodies.Cast<string?>())
                    {
                        using var response = await client.SendAsync(Request(method, url, body));
                        if ((int)response.StatusCode >= 500)
                        {
                            wrong.Add($"{method} {url} as {who} with {body ?? "no body"}: {(int)response.StatusCode}");
                        }
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(60)));
    }

    [Fact]
    public async Task EachFieldOfEveryRequestBodyGivenTheWrongKindOfValueGetsAClearErrorNot500()
    {
        var document = await Api.JsonAsync(await Api.AnonymousClient(app).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        // Each operation that takes JSON, with the names of its body's fields (from the document's schemas).
        var operations = new List<(string Method, string Path, List<string> Fields)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(m => Methods.Contains(m.Name)))
            {
                if (operation.Value.TryGetProperty("requestBody", out var body)
                    && body.GetProperty("content").TryGetProperty("application/json", out var json)
                    && json.GetProperty("schema").TryGetProperty("$ref", out var reference)
                    && schemas.GetProperty(reference.GetString()!.Split('/')[^1]).TryGetProperty("properties", out var properties))
                {
                    operations.Add((operation.Name.ToUpperInvariant(), path.Name, properties.EnumerateObject().Select(p => p.Name).ToList()));
                }
            }
        }
        Assert.True(operations.Count >= 20 && operations.Sum(o => o.Fields.Count) >= 60, $"the document describes the request bodies ({operations.Count} operations)");
        var (school, ids) = await SchoolWithRecordsAsync();
        var callers = await StaffOfAsync(school);
        string[] values = ["null", "\"\"", $"\"{new string('x', 5000)}\"", "-1", "1e308", "true", "[]", "[null]", "[\"\"]", "{}", "\"2026-02-31T25:00:00Z\"", "\"00000000-0000-0000-0000-000000000000\"",
            // Real times whose offset takes them past the years an instant can hold once in UTC.
            "\"9999-12-31T23:59:59-14:00\"", "\"0001-01-01T00:00:00+14:00\""];
        var wrong = new List<string>();

        foreach (var (method, path, fields) in operations)
        {
            var url = Fill(path, ids, Guid.NewGuid().ToString());
            foreach (var (who, client) in callers)
            {
                foreach (var field in fields)
                {
                    foreach (var value in values)
                    {
                        var body = $"{{\"{field}\":{value}}}";
                        using var response = await client.SendAsync(Request(method, url, body));
                        if ((int)response.StatusCode >= 500)
                        {
                            wrong.Add($"{method} {url} as {who} with {body[..Math.Min(body.Length, 80)]}: {(int)response.StatusCode}");
                        }
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(60)));
    }

    [Fact]
    public async Task NonsenseInEveryQueryParameterGetsAClearErrorNot500()
    {
        var operations = (await OperationsWithQueriesAsync()).Where(o => o.Query.Count > 0).ToList();
        Assert.True(operations.Count >= 5, $"the document lists the query parameters ({operations.Count} operations with some)");
        var (school, ids) = await SchoolWithRecordsAsync();
        var callers = await StaffOfAsync(school);
        string[] values = ["", "-1", "0", "99999999999999999999", "zzz", "2026-02-31", "0001-01-01", "9999-12-31", "2026-12-01T10:00", "true", "%00", new string('x', 3000), "Autumn%20term", "csv", "pdf"];
        var wrong = new List<string>();

        foreach (var (method, path, query) in operations.Where(o => o.Method == "GET"))
        {
            var url = Fill(path, ids, Guid.NewGuid().ToString());
            foreach (var (who, client) in callers)
            {
                foreach (var value in values)
                {
                    // Each parameter alone, then all at once.
                    foreach (var names in query.Select(q => new[] { q }).Append([.. query]))
                    {
                        var full = url + "?" + string.Join("&", names.Select(n => $"{n}={value}"));
                        using var response = await client.GetAsync(full);
                        if ((int)response.StatusCode >= 500)
                        {
                            wrong.Add($"GET {full[..Math.Min(full.Length, 160)]} as {who}: {(int)response.StatusCode}");
                        }
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(60)));
    }

    /// <summary>Every page's route (Razor Pages), from the app's own endpoints.</summary>
    private List<string> PageRoutes()
    {
        var pages = app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Distinct().ToList();
        Assert.True(pages.Count > 30, $"the app has its pages ({pages.Count})");
        return pages;
    }

    /// <summary>Pages open without signing in: their own token is the key, or they are where one signs in.</summary>
    private static readonly string[] PagesOpenToAnyone =
    [
        "/", "/signin", "/signin/microsoft/done", "/signout", "/denied", "/account/forgotten-password", "/account/reset-password", "/account/accept-role", "/account/two-factor", "/family/", "/Status",
    ];

    [Fact]
    public async Task NoPageAnswers500OrShowsAnotherSchoolsRecordsWhateverItIsAskedFor()
    {
        var pages = PageRoutes();
        var (school, ids) = await SchoolWithRecordsAsync();
        var other = await TestSchool.CreateAsync(app);
        var callers = new (string Who, HttpClient Client, bool Stranger)[]
        {
            ("nobody signed in", Api.AnonymousClient(app), true),
            ("another school's admin", await other.AdminAsync(app), true),
            ("another school's teacher", await other.TeacherAsync(app), true),
            ("another school's DSL", (await ConcernTestSupport.LeadersAsync(app, other)).Dsl, true),
            ("their own admin", await other.AdminAsync(app), false),
            ("this school's teacher", await school.TeacherAsync(app), false),
            ("this school's DSL", (await ConcernTestSupport.LeadersAsync(app, school)).Dsl, false),
            ("this school's admin", await school.AdminAsync(app), false),
        };
        const string nonsense = "?draft=x&like=not-an-id&kind=%00&page=-1&pageSize=99999999&from=zzz&to=2026-02-31&sessionId=%E2%80%AE&id=..%2F..&returnUrl=https://evil.test/";
        const string extremes = "?draft=00000000-0000-0000-0000-000000000000&like=00000000-0000-0000-0000-000000000000&from=0001-01-01&to=9999-12-31&term=%00&date=9999-12-31&week=9999-W53&page=2147483647&pageSize=2147483647&status=x&handler=x";
        var wrong = new List<string>();

        foreach (var page in pages)
        {
            var open = PagesOpenToAnyone.Any(p => p.EndsWith('/') && p.Length > 1 ? page.StartsWith(p, StringComparison.Ordinal) : page == p);
            foreach (var (who, client, stranger) in callers)
            {
                foreach (var url in new[] { Fill(page, ids, Guid.NewGuid().ToString()), Fill(page, [], "not-an-id") + nonsense, Fill(page, ids, Guid.NewGuid().ToString()) + extremes })
                {
                    using var response = await client.GetAsync(url);
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync();
                    var leaks = stranger ? ids.Values.Where(id => body.Contains(id, StringComparison.OrdinalIgnoreCase)).ToList() : [];
                    var letIn = who == "nobody signed in" && !open && status is >= 200 and < 300;
                    if (status >= 500 || letIn || leaks.Count > 0)
                    {
                        wrong.Add($"GET {url} as {who}: {status}{(leaks.Count > 0 ? " with this school's ids " + string.Join(", ", leaks) : "")}");
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(60)));
    }

    [Fact]
    public async Task EveryFormOnEveryPageSentEmptyOrWithNonsenseGetsAnAnswerNot500()
    {
        // Not signing in and out and one's own account, which would end the sweep rather than test it.
        var pages = PageRoutes().Where(p => !new[] { "/signin", "/signout", "/account/" }.Any(x => p.StartsWith(x, StringComparison.Ordinal))).ToList();
        var (school, ids) = await SchoolWithRecordsAsync();
        var teacher = await school.TeacherAsync(app);
        // The family's pages, with their own link, by a parent who has not signed in.
        ids["family"] = (await Chaperone.Tests.Families.FamilyLinkTests.FamilyPathAsync(teacher, ids["sessions"], school.Mother)).Split('/')[2];
        (string Who, HttpClient Client)[] callers = [.. await StaffOfAsync(school), ("parent", Api.AnonymousClient(app))];
        var parser = new AngleSharp.Html.Parser.HtmlParser();
        var wrong = new List<string>();
        var sent = 0;
        var familySent = 0;

        foreach (var (who, client) in callers)
        {
            foreach (var page in pages.Where(p => p.StartsWith("/family/", StringComparison.Ordinal) == (who == "parent")))
            {
                var url = Fill(page, ids, Guid.NewGuid().ToString());
                using var response = await client.GetAsync(url);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }
                var document = parser.ParseDocument(await response.Content.ReadAsStringAsync());
                foreach (var form in document.QuerySelectorAll("form").OfType<AngleSharp.Html.Dom.IHtmlFormElement>()
                             .Where(f => string.Equals(f.Method, "post", StringComparison.OrdinalIgnoreCase)))
                {
                    var action = form.GetAttribute("action") is { Length: > 0 } a ? a : url;
                    // Signing in or out, or changing one's own password or second factor, would end the sweep rather than test the form.
                    if (action.StartsWith("/signout", StringComparison.Ordinal) || action.StartsWith("/signin", StringComparison.Ordinal) || action.StartsWith("/account/", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    foreach (var nonsense in new[] { Empty, Garbage })
                    {
                        using var body = FormBody(form, nonsense);
                        using var answer = await client.PostAsync(action, body);
                        sent++;
                        familySent += who == "parent" ? 1 : 0;
                        if ((int)answer.StatusCode >= 500)
                        {
                            wrong.Add($"POST {action} (from {url}) as {who} with {(nonsense == Empty ? "empty fields" : "nonsense")}: {(int)answer.StatusCode}");
                        }
                    }
                }
                // Still signed in, so the next page's forms are sent by someone who may send them.
                Assert.True(who == "parent" || (await client.GetAsync("/api/v1/auth/me")).StatusCode == HttpStatusCode.OK, $"{who} was signed out by the forms of {url}");
            }
        }

        Assert.True(sent > 40 && familySent >= 4, $"the sweep sent the pages' forms ({sent}, the family's {familySent})");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(60)));
    }

    private static string Empty(string type) => "";

    private static string Garbage(string type) => type switch
    {
        "number" => "-1e309",
        "date" => "2026-02-31",
        "time" => "25:99",
        "datetime-local" => "2026-13-01T10:00",
        "email" => "not an email",
        // A NUL too, as pasted text can bring: every form is sent as multipart, so it reaches the page's checks.
        _ => "\u202e<script>x</script>\u0000 " + new string('x', 5000),
    };

    /// <summary>The form's fields as a browser would send them, every one but the antiforgery token given by <paramref name="value"/> (file fields a small nonsense file).</summary>
    private static HttpContent FormBody(AngleSharp.Html.Dom.IHtmlFormElement form, Func<string, string> value)
    {
        var fields = new List<(string Name, string Value)>();
        var files = new List<string>();
        foreach (var element in form.Elements)
        {
            var name = element.GetAttribute("name");
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }
            var type = (element.GetAttribute("type") ?? (element.LocalName == "select" ? "select" : element.LocalName)).ToLowerInvariant();
            if (name == "__RequestVerificationToken")
            {
                fields.Add((name, element.GetAttribute("value") ?? ""));
            }
            else if (type == "file")
            {
                files.Add(name);
            }
            else if (type is not ("submit" or "button" or "reset"))
            {
                fields.Add((name, value(type)));
            }
        }
        if (files.Count == 0 && !string.Equals(form.Enctype, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        }
        var multipart = new MultipartFormDataContent();
        foreach (var (name, v) in fields)
        {
            multipart.Add(new StringContent(v), name);
        }
        foreach (var name in files)
        {
            multipart.Add(new ByteArrayContent([0xff, 0xfe, 0x00, 0x41, 0x2c, 0x0a]), name, "nonsense.csv");
        }
        return multipart;
    }
}

/// <summary>
/// The app with the limits per client address on the family's and the sign-in pages lifted: the
/// sweep sends them thousands of requests from one address (every page a stranger opens sends
/// them to sign in), and is to reach what is behind the limits.
/// </summary>
public class SweepApp : ChaperoneApp
{
    public SweepApp() : this(Db.Sqlite) { }

    protected SweepApp(Db db) : base(db)
    {
        Settings["Families:RequestsPerMinute"] = "1000000";
        Settings["Identity:SignInRequestsPerMinute"] = "1000000";
    }
}

public sealed class PostgresSweepApp() : SweepApp(Db.Postgres);

public sealed class EndpointSweepOnSqlite(SweepApp app) : EndpointSweepTests(app), IClassFixture<SweepApp>;

public sealed class EndpointSweepOnPostgres(PostgresSweepApp app) : EndpointSweepTests(app), IClassFixture<PostgresSweepApp>;
