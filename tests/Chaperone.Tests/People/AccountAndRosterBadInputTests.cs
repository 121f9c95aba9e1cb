using System.Net;
using System.Text;
using Chaperone.Tests.Infrastructure;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.People;

/// <summary>Hostile input to the endpoints for passwords, staff details, leavers' sessions, roster imports and subject access: a problem, never a 500.</summary>
public abstract class AccountAndRosterBadInputTests(ChaperoneApp app)
{
    private static readonly string[] Bodies =
    [
        "", "null", "[]", "\"x\"", "{}", "{\"email\": 5}", "{\"email\": [\"a@b.c\"]}", "{\"email\": \"a\\u0000@b.c\"}",
        "{\"user\": \"" + new string('9', 5000) + "\", \"token\": \"%00\", \"newPassword\": \"" + new string('x', 5000) + "\"}",
        "{\"user\": \"00000000-0000-0000-0000-000000000000\", \"token\": \"" + new string('A', 3000) + "\", \"newPassword\": \"a long enough password\"}",
        "{\"currentPassword\": 1, \"newPassword\": {}}", "{\"name\": \"" + new string('n', 5000) + "\", \"email\": \"x@y.z\", \"roles\": [\"Teacher\", 5]}",
        "{\"roles\": null, \"reason\": \"\\u0007\"}", "{\"reason\": \"" + new string('r', 100_000) + "\"}",
    ];

    [Fact]
    public async Task HostileInputIsAProblemNeverA500()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var admin = await school.AdminAsync(app);
        var teacher = await school.OtherTeacherAsync(app);
        var anonymous = app.CreateClient();
        foreach (var body in Bodies)
        {
            foreach (var (client, method, url) in new[]
            {
                (anonymous, HttpMethod.Post, "/api/v1/auth/forgotten-password"),
                (anonymous, HttpMethod.Post, "/api/v1/auth/reset-password"),
                (teacher, HttpMethod.Post, "/api/v1/auth/password"),
                (admin, HttpMethod.Put, $"/api/v1/staff/{school.TeacherId}"),
                (admin, HttpMethod.Post, $"/api/v1/staff/{school.TeacherId}/cancel-upcoming-sessions"),
            })
            {
                using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                var response = await client.SendAsync(request);
                Assert.True((int)response.StatusCode < 500, $"{method} {url} {body[..Math.Min(body.Length, 80)]}: {(int)response.StatusCode}");
            }
        }
        foreach (var import in new[] { "/api/v1/people/import", "/api/v1/staff/import" })
        {
            foreach (var csv in new[] { "\u0000\u0001\u0002", "\"", "Pupil name\n\"a\"\"b", new string(',', 100_000), "Pupil name;Date of birth\r\n;;;;", "\uFEFF",
                "Name,Email,Roles\n" + new string('n', 5000) + ",a@b.c,Teacher\n\u0007,\u0000@x,\"Admin;;;Admin\"\n" })
            {
                var response = await admin.PostAsync(import, new StringContent(csv, Encoding.UTF8, "text/csv"));
                Assert.True((int)response.StatusCode < 500, $"{import} {csv.Length} chars: {(int)response.StatusCode}");
            }
            var tooLarge = await admin.PostAsync(import, new ByteArrayContent(new byte[3 * 1024 * 1024]));
            Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        }
        foreach (var id in new[] { "x%20y", "..%2F..", new string('f', 3000), "00000000-0000-0000-0000-000000000000", school.TwoParentPupil.ToString().ToUpperInvariant() })
        {
            Assert.True((int)(await dsl.GetAsync($"/api/v1/pupils/{id}/subject-access?includeConcerns=perhaps")).StatusCode < 500, id);
            Assert.True((int)(await dsl.GetAsync($"/pupils/{id}/subject-access")).StatusCode < 500, id);
            Assert.True((int)(await anonymous.GetAsync($"/account/reset-password?user={id}&token={id}")).StatusCode < 500, id);
            Assert.True((int)(await admin.PostAsync($"/api/v1/staff/{id}/cancel-upcoming-sessions", new StringContent("{\"reason\":\"x\"}", Encoding.UTF8, "application/json"))).StatusCode < 500, id);
            Assert.True((int)(await admin.DeleteAsync($"/api/v1/staff/{id}/microsoft-link")).StatusCode < 500, id);
            Assert.True((int)(await anonymous.GetAsync($"/signin/microsoft?returnUrl={id}")).StatusCode < 500, id);
            Assert.True((int)(await anonymous.GetAsync($"/signin/microsoft/done?returnUrl={id}")).StatusCode < 500, id);
            Assert.True((int)(await anonymous.GetAsync($"/signin?step=code&microsoft={id}")).StatusCode < 500, id);
        }
    }
}

public sealed class AccountAndRosterBadInputOnSqlite(ChaperoneApp app) : AccountAndRosterBadInputTests(app), IClassFixture<ChaperoneApp>;

public sealed class AccountAndRosterBadInputOnPostgres(PostgresChaperoneApp app) : AccountAndRosterBadInputTests(app), IClassFixture<PostgresChaperoneApp>;
