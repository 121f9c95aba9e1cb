using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Chaperone.Identity;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Identity;

/// <summary>Signing in for the API, and what the API says to a caller who has not.</summary>
public abstract partial class AuthApiTests(ChaperoneApp app)
{
    [Fact]
    public async Task LoginWithRightPasswordReturnsABearerTokenThatOpensTheApi()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password });

        var body = await Api.JsonAsync(response, HttpStatusCode.OK);
        var token = body.GetProperty("accessToken").GetString();
        Assert.False(string.IsNullOrEmpty(token));
        Assert.True(body.GetProperty("expiresIn").GetInt64() > 0);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var policy = await client.GetAsync("/api/v1/policy");
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
    }

    [Fact]
    public async Task LoginWithWrongPasswordIs401Problem()
    {
        var school = await TestSchool.CreateAsync(app);

        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = "not-the-password" });

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task LoginWithUnknownEmailIs401ProblemLikeAWrongPassword()
    {
        var email = $"nobody.{Guid.NewGuid():N}@school.test";
        static bool NoAccount(LogEntry e) => e.Level == LogLevel.Warning && e.Message.StartsWith("A sign-in named no account", StringComparison.Ordinal);
        var before = app.Logs.Entries.Count(NoAccount);
        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email, password = TestSchool.Password });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.DoesNotContain("not found", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        // No school's trail can hold it: the log does, with the client's address and not the address typed.
        Assert.Equal(before + 1, app.Logs.Entries.Count(NoAccount));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains(email, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAddressWithNoAccountIsLockedOutAfterAsManyFailuresAsAnAccountAndForAsLong()
    {
        var school = await TestSchool.CreateAsync(app);
        var nobody = $"nobody.{Guid.NewGuid():N}@school.test";
        var client = app.CreateClient();
        async Task<string> AttemptAsync(string email, string password = "not-the-password") =>
            (await Api.ProblemAsync(await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password }), HttpStatusCode.Unauthorized))
                .GetProperty("detail").GetString()!;
        var wrong = await AttemptAsync(school.TeacherEmail);

        var account = new List<string> { wrong };
        var noAccount = new List<string> { await AttemptAsync(nobody) };
        for (var i = 0; i < 11; i++)
        {
            account.Add(await AttemptAsync(school.TeacherEmail));
            // Any spelling of the address counts as the same address, as it does for an account.
            noAccount.Add(await AttemptAsync(i % 2 == 0 ? nobody : nobody.ToUpperInvariant()));
        }

        Assert.Equal(account, noAccount);
        Assert.Equal(AuthEndpoints.LockedOut, account[^1]);
        Assert.NotEqual(AuthEndpoints.LockedOut, wrong);
        // While locked, the account's own password is refused in the same words.
        Assert.Equal(AuthEndpoints.LockedOut, await AttemptAsync(school.TeacherEmail, TestSchool.Password));

        // Both locks end together, on the app's clock.
        app.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(wrong, await AttemptAsync(nobody));
        var signedIn = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task StaffChangeTheirOwnPasswordAndAreToldFieldByFieldWhatToFix()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        Task<HttpResponseMessage> ChangeAsync(object body) => teacher.PostAsJsonAsync("/api/v1/auth/password", body);

        Assert.Equal(["currentPassword", "newPassword"], (await Api.BadRequestFieldsAsync(await ChangeAsync(new { }))).Order());
        Assert.Equal(["currentPassword"], await Api.BadRequestFieldsAsync(await ChangeAsync(new { currentPassword = "not-the-password", newPassword = "a long new password" })));
        Assert.Equal(["newPassword"], await Api.BadRequestFieldsAsync(await ChangeAsync(new { currentPassword = TestSchool.Password, newPassword = "short" })));
        Assert.Equal(["newPassword"], await Api.BadRequestFieldsAsync(await ChangeAsync(new { currentPassword = TestSchool.Password, newPassword = TestSchool.Password })));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = TestSchool.Password, newPassword = "a long new password" })).StatusCode);

        var changed = await Api.JsonAsync(await ChangeAsync(new { currentPassword = TestSchool.Password, newPassword = "a long new password" }), HttpStatusCode.OK);

        // The token the change was made with has ended, like every sign-in before it; the answer carries its successor.
        var ended = await Api.ProblemAsync(await teacher.GetAsync("/api/v1/sessions"), HttpStatusCode.Unauthorized);
        Assert.Equal("https://chaperone.school/problems/sign-in-ended", ended.GetProperty("type").GetString());
        teacher.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", changed.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);
        var client = app.CreateClient();
        await Api.ProblemAsync(await client.PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = "a long new password" })).StatusCode);
        Assert.Contains(await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()),
            a => a == Chaperone.Audit.AuditActions.PasswordChanged);
    }

    [Fact]
    public async Task WrongCurrentPasswordsOnAPasswordChangeLockTheAccountAsAtSignIn()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        async Task<string> ChangeAsync(string current) =>
            (await Api.ProblemAsync(await teacher.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = current, newPassword = "a long new password" }), HttpStatusCode.BadRequest))
                .GetProperty("errors").GetProperty("currentPassword")[0].GetString()!;

        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await ChangeAsync("not-the-password"));
        }

        Assert.Equal("That is not your current password.", answers[0]);
        Assert.Equal(AuthEndpoints.LockedOut, answers[^1]);
        // Locked: the right one is refused too, here and at sign-in.
        Assert.Equal(AuthEndpoints.LockedOut, await ChangeAsync(TestSchool.Password));
        var login = await Api.ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password }), HttpStatusCode.Unauthorized);
        Assert.Equal(AuthEndpoints.LockedOut, login.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task LoginWithoutEmailOrPasswordIs400NamingBoth()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = "", password = (string?)null });

        var fields = await Api.BadRequestFieldsAsync(response);
        Assert.Contains("email", fields);
        Assert.Contains("password", fields);
    }

    [Theory]
    [InlineData("nul\u0000@school.test")]
    [InlineData("'; DROP TABLE \"AspNetUsers\"; --")]
    [InlineData("ünïcødé@schöol.test")]
    public async Task LoginWithAHostileEmailIsRefusedNotAnError(string email)
    {
        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email, password = TestSchool.Password });

        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}");
        await Api.ProblemAsync(response, response.StatusCode);
    }

    [Fact]
    public async Task ATokenStopsWorkingOnceItExpires()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        var token = await Api.JsonAsync(
            await client.PostAsJsonAsync("/api/v1/auth/login", new { email = school.TeacherEmail, password = TestSchool.Password }), HttpStatusCode.OK);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/policy")).StatusCode);

        app.Clock.Advance(TimeSpan.FromSeconds(token.GetProperty("expiresIn").GetInt64() + 1));
        var response = await client.GetAsync("/api/v1/policy");

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AGarbageBearerTokenIs401Problem()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        var response = await client.GetAsync("/api/v1/sessions");

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EveryApiEndpointAnswers401ProblemWithoutATokenAndNeverRedirects()
    {
        var endpoints = ApiEndpoints().ToList();
        Assert.True(endpoints.Count >= 10, $"Expected the API's endpoints to be found, found {endpoints.Count}.");
        var client = Api.AnonymousClient(app);
        var failures = new List<string>();

        foreach (var (method, path) in endpoints)
        {
            foreach (var accept in new[] { "application/json", "text/html" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                request.Headers.Accept.ParseAdd(accept);
                if (method is "POST" or "PUT")
                {
                    request.Content = JsonContent.Create(new { });
                }
                var response = await client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.Location is not null)
                {
                    failures.Add($"{method} {path} (Accept {accept}): {(int)response.StatusCode} {response.Headers.Location}");
                }
                else if (accept == "application/json" && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{method} {path}: 401 as {response.Content.Headers.ContentType?.MediaType}, not problem+json");
                }
            }
        }

        Assert.Empty(failures);
    }

    /// <summary>
    /// Every route under /api/v1 but those for signing in (signing in, a forgotten password's
    /// link, an offered role's link) and the family API (which takes the guardian's token instead, and says so with
    /// AllowAnonymous), with a made-up id in place of each route parameter.
    /// </summary>
    private IEnumerable<(string Method, string Path)> ApiEndpoints() =>
        app.Services.GetRequiredService<IEnumerable<EndpointDataSource>>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.TrimStart('/').StartsWith("api/v1", StringComparison.Ordinal) && !SigningIn.Any(path => raw.EndsWith(path, StringComparison.Ordinal)))
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null || !e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/v1/family/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, "/" + RouteParameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), Guid.NewGuid().ToString()))))
            .Distinct();

    private static readonly string[] SigningIn = ["auth/login", "auth/forgotten-password", "auth/reset-password", "auth/accept-role"];

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}

public sealed class AuthApiOnSqlite(ChaperoneApp app) : AuthApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class AuthApiOnPostgres(PostgresChaperoneApp app) : AuthApiTests(app), IClassFixture<PostgresChaperoneApp>;
