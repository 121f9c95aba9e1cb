using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.People;
using Chaperone.Tests.Concerns;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// The operations added most recently (closing and reopening concerns, the DSL and senior leader
/// roles offered by email, the school office's contacts), called as someone of another school
/// would call them with this school's ids: each answers 404, as for an id that names nothing, and
/// changes nothing.
/// </summary>
public abstract class RecentOperationsHostileInputTests(ChaperoneApp app)
{
    [Fact]
    public async Task AnotherSchoolsIdsAnswer404AndChangeNothing()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var (dsl, _) = await ConcernTestSupport.LeadersAsync(app, school);
        var open = (await ConcernTestSupport.RaiseAsync(teacher, ConcernTestSupport.Behaviour(school))).GetProperty("id").GetString()!;
        var closed = (await ConcernTestSupport.RaiseAsync(teacher, ConcernTestSupport.Behaviour(school))).GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{open}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{closed}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{closed}/close", new { text = "Spoken to; resolved." }), HttpStatusCode.OK);
        var admin = await school.AdminAsync(app);
        await Api.JsonAsync(await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/roles", new { roles = new[] { Roles.Teacher, Roles.Dsl } }), HttpStatusCode.OK);

        var other = await TestSchool.CreateAsync(app);
        var (otherDsl, _) = await ConcernTestSupport.LeadersAsync(app, other);
        var otherAdmin = await other.AdminAsync(app);
        var wrong = new List<string>();
        foreach (var (client, method, url, body) in new (HttpClient, HttpMethod, string, object?)[]
        {
            (otherDsl, HttpMethod.Post, $"/api/v1/concerns/{open}/close", new { text = "Closed by a stranger." }),
            (otherDsl, HttpMethod.Post, $"/api/v1/concerns/{closed}/reopen", new { text = "Reopened by a stranger." }),
            (otherDsl, HttpMethod.Post, $"/api/v1/concerns/{open}/actions", new { type = "action", text = "Written by a stranger." }),
            (otherAdmin, HttpMethod.Delete, $"/api/v1/staff/{school.OtherTeacherId}/pending-roles", null),
            (otherAdmin, HttpMethod.Put, $"/api/v1/staff/{school.OtherTeacherId}/roles", new { roles = new[] { Roles.Teacher } }),
            (otherAdmin, HttpMethod.Put, $"/api/v1/staff/{school.OtherTeacherId}", new { name = "Renamed", email = $"renamed.{Guid.NewGuid():N}@school.test", roles = new[] { Roles.Teacher } }),
            (otherAdmin, HttpMethod.Put, $"/api/v1/staff/{school.OtherTeacherId}/access", new { active = false }),
            (otherAdmin, HttpMethod.Put, $"/api/v1/teams/accounts/{school.OtherTeacherId}", new { userId = Guid.NewGuid().ToString() }),
            (otherAdmin, HttpMethod.Put, $"/api/v1/pupils/{school.TwoParentPupil}", new { name = "Renamed", dateOfBirth = "2018-01-01", guardianIds = Array.Empty<string>() }),
            (otherAdmin, HttpMethod.Put, $"/api/v1/guardians/{school.Mother}", new { name = "Renamed", relationship = "Mother", hasParentalResponsibility = true, email = (string?)null, phone = (string?)null }),
        })
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                wrong.Add($"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else
            {
                await Api.ProblemAsync(response, HttpStatusCode.NotFound);
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.False((await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{open}"), HttpStatusCode.OK)).GetProperty("closed").GetBoolean());
        Assert.True((await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{closed}"), HttpStatusCode.OK)).GetProperty("closed").GetBoolean());
        var staff = (await Api.JsonAsync(await admin.GetAsync("/api/v1/staff"), HttpStatusCode.OK)).EnumerateArray().Single(s => s.GetProperty("id").GetString() == school.OtherTeacherId.ToString());
        Assert.Equal([Roles.Dsl], staff.GetProperty("pendingRoles").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Null(staff.GetProperty("accessEndedAt").GetString());
        Assert.NotEqual("Renamed", staff.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task ABodyWithoutTheJsonContentTypeIsToldToSayItIsJsonAndChangesNothing(string? contentType)
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var (dsl, _) = await ConcernTestSupport.LeadersAsync(app, school);
        var admin = await school.AdminAsync(app);
        var concern = (await ConcernTestSupport.RaiseAsync(teacher, ConcernTestSupport.Behaviour(school))).GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{concern}/acknowledge", null), HttpStatusCode.OK);
        var wrong = new List<string>();

        foreach (var (client, method, url, body) in new (HttpClient, HttpMethod, string, string)[]
        {
            (dsl, HttpMethod.Post, $"/api/v1/concerns/{concern}/close", "{\"text\":\"Spoken to; resolved.\"}"),
            (dsl, HttpMethod.Post, $"/api/v1/concerns/{concern}/actions", "{\"type\":\"action\",\"text\":\"Phoned home.\"}"),
            (admin, HttpMethod.Put, "/api/v1/policy/settings", "{\"timeZone\":\"Europe/London\",\"schoolHours\":{\"start\":\"09:00\",\"end\":\"15:00\"},\"minimumNoticeHours\":48,\"minimumParticipants\":3,\"schoolDays\":[\"Monday\"],\"officeEmail\":\"office@school.test\"}"),
            (admin, HttpMethod.Put, $"/api/v1/staff/{school.OtherTeacherId}/roles", "{\"roles\":[\"Teacher\",\"Dsl\"]}"),
            (admin, HttpMethod.Put, "/api/v1/retention/settings", "{\"concernsYearsAfterBirth\":30,\"interventionRecordsYears\":7}"),
            (Api.AnonymousClient(app), HttpMethod.Post, "/api/v1/auth/accept-role", "{\"grant\":\"x\",\"token\":\"y\",\"newPassword\":\"a long new password\"}"),
        })
        {
            var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            }
            using var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = content });
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.UnsupportedMediaType || !text.Contains("application/json", StringComparison.Ordinal) || text.Contains("shape", StringComparison.Ordinal))
            {
                wrong.Add($"{method} {url} as {contentType ?? "no content type"}: {(int)response.StatusCode} {text}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        var kept = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{concern}"), HttpStatusCode.OK);
        Assert.False(kept.GetProperty("closed").GetBoolean());
        Assert.Null((await Api.JsonAsync(await admin.GetAsync("/api/v1/policy"), HttpStatusCode.OK)).GetProperty("office").GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("nope", "save")]
    [InlineData("", "save")]
    [InlineData("Booked", "reset")]
    [InlineData(null, "reset")]
    public async Task AnEmailWordingFormNamingNoEmailSaysSoAndChangesNoEmailsWording(string? kind, string action)
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var parser = new AngleSharp.Html.Parser.HtmlParser();
        async Task<string> OpeningAsync() => PageForms.Value(parser.ParseDocument(await admin.GetStringAsync("/admin/messages?kind=booked")), "opening")!;
        async Task<HttpResponseMessage> SendAsync(string? sentKind, string sentAction, string opening)
        {
            var page = parser.ParseDocument(await admin.GetStringAsync("/admin/messages?kind=booked"));
            var token = page.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
            var fields = new List<KeyValuePair<string, string>>
            {
                new("__RequestVerificationToken", token), new("Opening", opening), new("Closing", "Kind regards, the office."), new("action", sentAction),
            };
            if (sentKind is not null)
            {
                fields.Add(new("Kind", sentKind));
            }
            return await admin.PostAsync("/admin/messages", new FormUrlEncodedContent(fields));
        }
        // The booked email's wording, saved as the school's own, is what an unnamed email must not change.
        (await SendAsync("booked", "save", "Our own opening.")).EnsureSuccessStatusCode();
        Assert.Equal("Our own opening.", await OpeningAsync());

        var refused = await PageForms.RefusedAsync(await SendAsync(kind, action, "Nobody asked for this opening."));

        Assert.Contains(PageForms.Summary(refused), e => e.Message.Contains("Choose which email", StringComparison.Ordinal) && e.Message.Contains("nothing was changed", StringComparison.Ordinal));
        Assert.Equal("Nobody asked for this opening.", PageForms.Value(refused, "opening"));
        Assert.Equal("Our own opening.", await OpeningAsync());
    }

    [Fact]
    public async Task TheDocumentSaysWhatTheRecentOperationsTakeAndEveryAnswerTheyGive()
    {
        var document = await Api.JsonAsync(await Api.AnonymousClient(app).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        // Method, path, what the body is (a schema of JSON, or a media type), the answer when it is done, and the problems it may answer.
        (string Method, string Path, string? Body, string Done, string[] Problems)[] operations =
        [
            ("post", "/api/v1/concerns/{id}/close", "ConcernStateRequest", "200", ["400", "403", "404", "409"]),
            ("post", "/api/v1/concerns/{id}/reopen", "ConcernStateRequest", "200", ["400", "403", "404", "409"]),
            ("post", "/api/v1/concerns/{id}/actions", "ConcernEntryRequest", "200", ["400", "403", "404", "409"]),
            ("post", "/api/v1/concerns/{id}/acknowledge", null, "200", ["403", "404", "409"]),
            ("post", "/api/v1/auth/accept-role", "AcceptRoleRequest", "204", ["400"]),
            ("post", "/api/v1/auth/reset-password", "ResetPasswordRequest", "204", ["400"]),
            ("post", "/api/v1/auth/forgotten-password", "ForgottenPasswordRequest", "202", ["400"]),
            ("delete", "/api/v1/staff/{id}/pending-roles", null, "200", ["404"]),
            ("put", "/api/v1/staff/{id}/roles", "StaffRequest", "200", ["400", "404"]),
            ("put", "/api/v1/staff/{id}", "StaffRequest", "200", ["400", "404"]),
            ("put", "/api/v1/staff/{id}/access", "StaffAccessRequest", "200", ["400", "404"]),
            ("put", "/api/v1/policy/settings", "PolicySettingsRequest", "200", ["400"]),
            ("post", "/api/v1/staff/import", "text/csv", "200", ["400"]),
            ("post", "/api/v1/people/import", "text/csv", "200", ["400"]),
            ("put", "/api/v1/retention/settings", "RetentionPeriodsRequest", "200", ["400"]),
            ("post", "/api/v1/retention/face-to-face-resumed", "FaceToFaceRequest", "200", ["400"]),
            ("post", "/api/v1/recordings/{id}/hold", "HoldRequest", "200", ["400", "404"]),
            ("delete", "/api/v1/recordings/{id}/hold", null, "200", ["400", "404"]),
            ("put", "/api/v1/teams/settings", "TeamsSettingsRequest", "200", ["400"]),
            ("put", "/api/v1/teams/accounts/{staffId}", "TeamsAccountRequest", "204", ["400", "404"]),
        ];
        var wrong = new List<string>();

        foreach (var (method, path, body, done, problems) in operations)
        {
            var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
            var content = operation.TryGetProperty("requestBody", out var requestBody) ? requestBody.GetProperty("content") : default;
            var described = content.ValueKind != JsonValueKind.Object ? null
                : content.TryGetProperty("application/json", out var json) ? SchemaName(json.GetProperty("schema"))
                : content.EnumerateObject().Select(c => c.Name).FirstOrDefault();
            if (described != body)
            {
                wrong.Add($"{method} {path} takes {body ?? "no body"}; the document says {described ?? "no body"}");
            }
            var responses = operation.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
            var successes = responses.Keys.Where(k => k.StartsWith('2')).ToList();
            if (successes.Count != 1 || successes[0] != done)
            {
                wrong.Add($"{method} {path} answers {done} when done; the document says {string.Join(", ", successes)}");
            }
            else if (done == "200" && !responses[done].TryGetProperty("content", out _))
            {
                wrong.Add($"{method} {path}: the document does not say what its 200 holds");
            }
            foreach (var status in problems)
            {
                if (!responses.TryGetValue(status, out var problem) || !problem.TryGetProperty("content", out var media) || !media.TryGetProperty("application/problem+json", out _))
                {
                    wrong.Add($"{method} {path} may answer a {status} problem; the document does not say so");
                }
            }
        }
        // Fields one may leave out are not listed as required.
        foreach (var (schema, optional) in new[] { ("LoginRequest", "twoFactorCode"), ("BookSessionRequest", "provider"), ("StaffRequest", "invite"), ("PolicySettingsRequest", "officeEmail"), ("PolicySettingsRequest", "officePhone") })
        {
            if (schemas.GetProperty(schema).TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => r.GetString() == optional))
            {
                wrong.Add($"{schema}.{optional} may be left out; the document says it is required");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>The name of the schema a body refers to, itself or as the one that is not null.</summary>
    private static string? SchemaName(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? reference.GetString()!.Split('/')[^1]
        : schema.TryGetProperty("oneOf", out var oneOf) ? oneOf.EnumerateArray().Select(SchemaName).FirstOrDefault(n => n is not null)
        : null;
}

public sealed class RecentOperationsHostileInputOnSqlite(ChaperoneApp app) : RecentOperationsHostileInputTests(app), IClassFixture<ChaperoneApp>;

public sealed class RecentOperationsHostileInputOnPostgres(PostgresChaperoneApp app) : RecentOperationsHostileInputTests(app), IClassFixture<PostgresChaperoneApp>;
