using System.Net;
using System.Net.Http.Json;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Calls;

/// <summary>
/// A school's choice that its calls in the built-in room go only through the TURN relay, through
/// the API: an admin chooses it where the installation has a relay, the family's call page then
/// asks the browser for relay only, another school's does not; without a relay it is refused on
/// its field; an installation that requires it of every school shows so.
/// </summary>
public abstract class CallSettingsApiTests
{
    protected abstract ChaperoneApp NewApp();

    /// <summary>An installation with a TURN relay (these tests read pages and settings; no call is made, so none need answer).</summary>
    private static ChaperoneApp WithRelay(ChaperoneApp app)
    {
        app.Settings["Calls:Turn:Urls:0"] = "turn:127.0.0.1:3478";
        app.Settings["Calls:Turn:SharedSecret"] = "the secret the relay shares with the app";
        return app;
    }

    /// <summary>The family's call page of a session booked for <paramref name="school"/>.</summary>
    private static async Task<string> FamilyPageAsync(ChaperoneApp app, TestSchool school)
    {
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(CallClient.NextSessionStart(app))));
        return $"/family/{app.Services.GetRequiredService<FamilyLinks>().TokenFor(sessionId, school.Mother)}/call";
    }

    /// <summary>Whether the family's call page at <paramref name="path"/> asks the browser for relay only.</summary>
    private static async Task<bool> RelayOnlyAsync(ChaperoneApp app, string path)
    {
        var response = await Api.AnonymousClient(app).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-relay=", html, StringComparison.Ordinal);
        return html.Contains("data-relay=\"true\"", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdminChoosesCallsOnlyThroughTheRelayAndTheSchoolsCallPagesThenAskForIt()
    {
        var app = WithRelay(NewApp());
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var (page, otherPage) = (await FamilyPageAsync(app, school), await FamilyPageAsync(app, other));

        var before = await Api.JsonAsync(await admin.GetAsync("/api/v1/calls/settings"), HttpStatusCode.OK);
        Assert.Equal((false, true, false, false), Flags(before));
        Assert.False(await RelayOnlyAsync(app, page));

        // Only an admin chooses, and says which.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await school.TeacherAsync(app)).PutAsJsonAsync("/api/v1/calls/settings", new { relayOnly = true })).StatusCode);
        var missing = await Api.ProblemAsync(await admin.PutAsJsonAsync("/api/v1/calls/settings", new { }), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("relayOnly", out _));

        var chosen = await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/calls/settings", new { relayOnly = true }), HttpStatusCode.OK);
        Assert.Equal((true, true, false, true), Flags(chosen));
        Assert.True(await RelayOnlyAsync(app, page));
        Assert.False(await RelayOnlyAsync(app, otherPage));

        Assert.Equal((false, true, false, false), Flags(await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/calls/settings", new { relayOnly = false }), HttpStatusCode.OK)));
        Assert.False(await RelayOnlyAsync(app, page));
    }

    private static (bool RelayOnly, bool RelayAvailable, bool InstallationRelayOnly, bool CallsRelayOnly) Flags(System.Text.Json.JsonElement settings) => (
        settings.GetProperty("relayOnly").GetBoolean(),
        settings.GetProperty("relayAvailable").GetBoolean(),
        settings.GetProperty("installationRelayOnly").GetBoolean(),
        settings.GetProperty("callsRelayOnly").GetBoolean());

    [Fact]
    public async Task WithoutARelayASchoolCannotChooseItAndTheFieldSaysWhy()
    {
        var app = NewApp();
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        Assert.Equal((false, false, false, false), Flags(await Api.JsonAsync(await admin.GetAsync("/api/v1/calls/settings"), HttpStatusCode.OK)));
        var refused = await Api.ProblemAsync(await admin.PutAsJsonAsync("/api/v1/calls/settings", new { relayOnly = true }), HttpStatusCode.BadRequest);
        Assert.Contains("no TURN relay", refused.GetProperty("errors").GetProperty("relayOnly")[0].GetString(), StringComparison.Ordinal);
        Assert.False(Flags(await Api.JsonAsync(await admin.GetAsync("/api/v1/calls/settings"), HttpStatusCode.OK)).RelayOnly);
    }

    [Fact]
    public async Task AnInstallationThatRequiresTheRelaySendsEverySchoolsCallsThroughIt()
    {
        var app = WithRelay(NewApp());
        app.Settings["Calls:RelayOnly"] = "true";
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);

        Assert.Equal((false, true, true, true), Flags(await Api.JsonAsync(await (await school.AdminAsync(app)).GetAsync("/api/v1/calls/settings"), HttpStatusCode.OK)));
        Assert.True(await RelayOnlyAsync(app, await FamilyPageAsync(app, school)));
    }
}

public sealed class CallSettingsApiOnSqlite : CallSettingsApiTests
{
    protected override ChaperoneApp NewApp() => new();
}

public sealed class CallSettingsApiOnPostgres : CallSettingsApiTests
{
    protected override ChaperoneApp NewApp() => new PostgresChaperoneApp();
}
