using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.People;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Identity;

/// <summary>Two-factor sign-in through the API: codes from an authenticator app (RFC 6238) on the app's clock.</summary>
public abstract class TwoFactorApiTests(ChaperoneApp app)
{
    /// <summary>Turns two-factor sign-in on for the account, as enrolment would; answers the authenticator key.</summary>
    private async Task<string> EnrolAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var user = (await users.FindByEmailAsync(email))!;
        await users.ResetAuthenticatorKeyAsync(user);
        await users.SetTwoFactorEnabledAsync(user, true);
        return (await users.GetAuthenticatorKeyAsync(user))!;
    }

    private Task<HttpResponseMessage> LoginAsync(string email, string? code, string password = TestSchool.Password) =>
        app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email, password, twoFactorCode = code });

    private async Task<JsonElement> MeAsync(HttpResponseMessage login)
    {
        var token = await Api.JsonAsync(login, HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return await Api.JsonAsync(await client.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AnAccountWithTwoFactorOnIsRefusedWithoutACodeOrWithAWrongOne()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.DslEmail);
        var right = app.TotpCode(key);
        var wrong = ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        var problems = new[]
        {
            await Api.ProblemAsync(await LoginAsync(school.DslEmail, null), HttpStatusCode.Unauthorized),
            await Api.ProblemAsync(await LoginAsync(school.DslEmail, ""), HttpStatusCode.Unauthorized),
            await Api.ProblemAsync(await LoginAsync(school.DslEmail, wrong), HttpStatusCode.Unauthorized),
            await Api.ProblemAsync(await LoginAsync(school.DslEmail, "not a code at all"), HttpStatusCode.Unauthorized),
        };

        Assert.All(problems, p => Assert.False(p.TryGetProperty("accessToken", out _)));
        Assert.Contains("two-factor code", problems[0].GetProperty("detail").GetString());
        // The right password with a wrong code does not count as a right password either.
        await Api.ProblemAsync(await LoginAsync(school.DslEmail, right, password: "wrong password!"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheRightCodeSignsInWithTwoFactorsAndTheDslMayThenReadConcerns()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.DslEmail);

        var me = await MeAsync(await LoginAsync(school.DslEmail, app.NextTotpCode(school.DslEmail, key)));

        Assert.True(me.GetProperty("twoFactor").GetBoolean());
        Assert.True(me.GetProperty("mayReadConcerns").GetBoolean());
        // Typed as apps show it, with a space.
        var spaced = app.NextTotpCode(school.DslEmail, key).Insert(3, " ");
        Assert.True((await MeAsync(await LoginAsync(school.DslEmail, spaced))).GetProperty("twoFactor").GetBoolean());
    }

    [Fact]
    public async Task ACodeSignsInOnceAndNoEarlierCodeAfterIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.DslEmail);
        var now = app.TotpCode(key);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(school.DslEmail, now)).StatusCode);

        // RFC 6238, section 5.2: the same code again, or the previous step's (still inside the drift window), is refused.
        var again = await Api.ProblemAsync(await LoginAsync(school.DslEmail, now), HttpStatusCode.Unauthorized);
        Assert.False(again.TryGetProperty("accessToken", out _));
        await Api.ProblemAsync(await LoginAsync(school.DslEmail, app.TotpCode(key, TimeSpan.FromSeconds(-30))), HttpStatusCode.Unauthorized);
        // The next code is accepted.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(school.DslEmail, app.TotpCode(key, TimeSpan.FromSeconds(30)))).StatusCode);
        var failures = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.SignInFailed).Select(e => e.Details).ToListAsync());
        Assert.Equal(2, failures.Count(d => d != null && d.Contains("wrong two-factor code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task OfSignInsRacingWithOneCodeExactlyOneSucceeds()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.DslEmail);
        var code = app.TotpCode(key);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => LoginAsync(school.DslEmail, code)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));

        // Wrong passwords racing each other all count against the account, and none is an error.
        var wrong = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => LoginAsync(school.DslEmail, app.TotpCode(key, TimeSpan.FromSeconds(30)), password: "not the password")));
        Assert.All(wrong, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
    }

    [Fact]
    public async Task ALeaderSignedInWithoutTwoFactorMayOnlyTurnItOn()
    {
        var school = await TestSchool.CreateAsync(app);
        await Concerns.ConcernTestSupport.TurnOffTwoFactorAsync(app, school.DslEmail);
        await Concerns.ConcernTestSupport.TurnOffTwoFactorAsync(app, school.SltEmail);

        var (dsl, dslClient) = await MeWithClientAsync(await LoginAsync(school.DslEmail, null));
        var (slt, sltClient) = await MeWithClientAsync(await LoginAsync(school.SltEmail, null));

        Assert.False(dsl.GetProperty("twoFactor").GetBoolean());
        Assert.False(dsl.GetProperty("mayReadConcerns").GetBoolean());
        Assert.Equal(["Dsl"], dsl.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(slt.GetProperty("mayReadConcerns").GetBoolean());
        // Signed in with a password alone, a DSL or senior leader reaches nothing else, and is told why.
        foreach (var client in new[] { dslClient, sltClient })
        {
            var refused = await Api.ProblemAsync(await client.GetAsync("/api/v1/sessions"), HttpStatusCode.Forbidden);
            Assert.Equal("https://chaperone.school/problems/two-factor-required", refused.GetProperty("type").GetString());
        }
        // The pages send them to turn it on, and back to where they were going afterwards.
        var page = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        page.DefaultRequestHeaders.Authorization = sltClient.DefaultRequestHeaders.Authorization;
        var sent = await page.GetAsync("/sessions");
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal("/account/two-factor?returnUrl=%2Fsessions", sent.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/account/two-factor")).StatusCode);
        // Turned on, and signed in again with a code: the sessions are theirs to see.
        var key = await EnrolAsync(school.SltEmail);
        var (_, withCode) = await MeWithClientAsync(await LoginAsync(school.SltEmail, app.TotpCode(key)));
        Assert.Equal(HttpStatusCode.OK, (await withCode.GetAsync("/api/v1/sessions")).StatusCode);
    }

    private async Task<(JsonElement Me, HttpClient Client)> MeWithClientAsync(HttpResponseMessage login)
    {
        var token = await Api.JsonAsync(login, HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return (await Api.JsonAsync(await client.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK), client);
    }

    [Fact]
    public async Task TwoFactorsAloneDoNotLetATeacherReadConcerns()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.TeacherEmail);

        var me = await MeAsync(await LoginAsync(school.TeacherEmail, app.NextTotpCode(school.TeacherEmail, key)));

        Assert.True(me.GetProperty("twoFactor").GetBoolean());
        Assert.False(me.GetProperty("mayReadConcerns").GetBoolean());
    }

    [Fact]
    public async Task CodesAreJudgedByTheAppsClockWithOneStepOfDriftEitherSide()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.SltEmail);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(school.SltEmail, app.TotpCode(key, TimeSpan.FromSeconds(-30)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(school.SltEmail, app.TotpCode(key, TimeSpan.FromMinutes(-5)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(school.SltEmail, app.TotpCode(key, TimeSpan.FromMinutes(5)))).StatusCode);
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        await EnrolAsync(school.DslEmail);
        var codes = await app.WithDbAsync(async _ =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
            return (await users.GenerateNewTwoFactorRecoveryCodesAsync((await users.FindByEmailAsync(school.DslEmail))!, 10))!.ToList();
        });

        var first = await MeAsync(await LoginAsync(school.DslEmail, codes[0].ToLowerInvariant()));
        Assert.True(first.GetProperty("twoFactor").GetBoolean());
        await Api.ProblemAsync(await LoginAsync(school.DslEmail, codes[0]), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheDemoDslAndHeadHaveTwoFactorOnWithTheConfiguredKey()
    {
        foreach (var email in new[] { "dsl@demo.school", "head@demo.school" })
        {
            await Api.ProblemAsync(await LoginAsync(email, null, ChaperoneApp.DemoPassword), HttpStatusCode.Unauthorized);
            var me = await MeAsync(await LoginAsync(email, app.NextTotpCode(email, ChaperoneApp.DemoTotpSecret), ChaperoneApp.DemoPassword));
            Assert.True(me.GetProperty("mayReadConcerns").GetBoolean());
        }
    }

    [Fact]
    public async Task SignInsAndFailedCodesAreAudited()
    {
        var school = await TestSchool.CreateAsync(app);
        var key = await EnrolAsync(school.DslEmail);

        await LoginAsync(school.DslEmail, "000000");
        await LoginAsync(school.DslEmail, app.NextTotpCode(school.DslEmail, key));

        var entries = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.SchoolId == school.SchoolId && e.Action.StartsWith("sign-in")).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([AuditActions.SignInFailed, AuditActions.SignedIn], entries.Select(e => e.Action));
        Assert.Contains("wrong two-factor code", entries[0].Details);
        Assert.Contains("two factors", entries[1].Details);
    }
}

public sealed class TwoFactorApiOnSqlite(ChaperoneApp app) : TwoFactorApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class TwoFactorApiOnPostgres(PostgresChaperoneApp app) : TwoFactorApiTests(app), IClassFixture<PostgresChaperoneApp>;
