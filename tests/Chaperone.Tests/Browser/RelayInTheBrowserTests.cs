using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The app with a TURN relay for its call room: a real coturn on loopback (started by
/// <c>test.sh</c>, its address in <c>CHAPERONE_TEST_TURN</c> and the secret it shares with the app
/// in <c>CHAPERONE_TEST_TURN_SECRET</c>), checking each page's credentials as it would in
/// production. A school chooses whether its calls go only through it. Missing, the tests fail
/// rather than skip.
/// </summary>
public sealed class RelayBrowserApp() : BrowserApp(WithTurn(new KestrelChaperoneApp()))
{
    private static ChaperoneApp WithTurn(ChaperoneApp app)
    {
        app.Settings["Calls:Turn:Urls:0"] = ChaperoneApp.FromTestSh("CHAPERONE_TEST_TURN", "a throwaway TURN server (coturn)") + "?transport=udp";
        app.Settings["Calls:Turn:SharedSecret"] = ChaperoneApp.FromTestSh("CHAPERONE_TEST_TURN_SECRET", "a throwaway TURN server (coturn)");
        return app;
    }
}

/// <summary>A call whose media goes only through the school's TURN server, as its admin chose, so that neither side learns the other's network address.</summary>
public sealed class RelayInTheBrowserTests(RelayBrowserApp browser) : IClassFixture<RelayBrowserApp>
{
    /// <summary>
    /// A call booked for a weekday after today's real date: the TURN server checks the
    /// credentials' expiry against the machine's own clock (the app's clock is the test's, as everywhere).
    /// </summary>
    private async Task<(TestSchool School, string SessionId, string Token)> BookCallAsync()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var today = DateTimeOffset.UtcNow > app.Clock.GetUtcNow() ? DateTimeOffset.UtcNow : app.Clock.GetUtcNow(); // the test clock only moves on
        var start = Api.NextWeekdayAt(today.AddDays(3), 10);
        app.Clock.SetUtcNow(start.AddDays(-3));
        var sessionId = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        return (school, sessionId, app.Services.GetRequiredService<FamilyLinks>().TokenFor(Guid.Parse(sessionId), school.Mother));
    }

    [Fact]
    public async Task AnAdminChoosesRelayOnlyAndTheCallsMediaThenGoesThroughTheTurnServerOnEachPagesOwnCredentials()
    {
        var (school, sessionId, token) = await BookCallAsync();

        var admin = await browser.NewPageAsync();
        await BrowserSteps.SignInAsync(admin, school.AdminEmail, TestSchool.Password);
        await admin.GotoAsync("/admin/settings");
        var calls = admin.GetByRole(AriaRole.Form, new() { Name = "Calls in the built-in room" });
        await calls.GetByLabel("Send each call's sound and video only through the school's relay").CheckAsync();
        await calls.GetByRole(AriaRole.Button, new() { Name = "Save call settings" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("The call settings are saved: calls go only through the relay", new() { Timeout = BrowserSteps.Ms });
        await Assertions.Expect(admin.GetByLabel("Send each call's sound and video only through the school's relay")).ToBeCheckedAsync();
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(admin));

        var teacher = await CallInTheBrowserTests.CallPageAsync(browser);
        await BrowserSteps.SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync($"/sessions/{sessionId}/console");
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The room is open");
        await Assertions.Expect(teacher.Locator("#call")).ToHaveAttributeAsync("data-relay", "true");

        var family = await CallInTheBrowserTests.CallPageAsync(browser);
        await family.GotoAsync($"/family/{token}/call");
        await Assertions.Expect(family.Locator("#call")).ToHaveAttributeAsync("data-relay", "true");
        await family.GetByRole(AriaRole.Button, new() { Name = "Check camera and microphone" }).ClickAsync();
        await Assertions.Expect(family.Locator("#device-result")).ToContainTextAsync("Your connection reaches the school's call service", new() { Timeout = BrowserSteps.Ms });
        await family.GetByLabel("Toby Twoparents is here").CheckAsync();
        await family.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        foreach (var item in FamilyChecklist.Items)
        {
            await family.GetByLabel(item.Text).CheckAsync();
        }
        await family.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(family, "You are in the call");
        await family.GetByRole(AriaRole.Button, new() { Name = "I give my consent" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm the consent" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "The family's room is suitable" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Everyone is appropriately dressed" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The session has started");

        await CallInTheBrowserTests.AssertMediaFlowsAsync(teacher);
        await CallInTheBrowserTests.AssertMediaFlowsAsync(family);
        await Assertions.Expect(teacher.Locator("#network")).ToBeHiddenAsync(); // the teacher's own check found the relay
        foreach (var page in new[] { teacher, family })
        {
            var stats = await page.EvaluateAsync<JsonElement>("() => window.chaperoneStats()");
            var paths = stats.GetProperty("paths").EnumerateArray().Select(p => p.GetString()).ToList();
            Assert.NotEmpty(paths);
            Assert.All(paths, p => Assert.Equal("relay", p));
        }
    }
    /// <summary>Serves <paramref name="page"/> the call page at <paramref name="path"/> as the server sent it, with its relay password changed (as an old or copied page's would be wrong).</summary>
    private static async Task WithWrongRelayPasswordAsync(IPage page, string path) => await page.RouteAsync("**" + path, async route =>
    {
        var response = await route.FetchAsync();
        var html = await response.TextAsync();
        var attribute = Regex.Match(html, "data-ice=\"([^\"]*)\"");
        var servers = JsonNode.Parse(WebUtility.HtmlDecode(attribute.Groups[1].Value))!.AsArray();
        servers[0]!["credential"] = "bm90IHRoZSByZWxheSdzIHBhc3N3b3Jk";
        html = html.Replace(attribute.Value, $"data-ice=\"{WebUtility.HtmlEncode(servers.ToJsonString())}\"", StringComparison.Ordinal);
        await route.FulfillAsync(new() { Response = response, Body = html });
    });

    [Fact]
    public async Task AFamilyOrTeacherWhosePageCarriesCredentialsTheRelayRefusesIsToldBeforeTheCall()
    {
        var (school, sessionId, token) = await BookCallAsync();
        var teacher = await CallInTheBrowserTests.CallPageAsync(browser);
        await BrowserSteps.SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await WithWrongRelayPasswordAsync(teacher, $"/sessions/{sessionId}/console");
        await teacher.GotoAsync($"/sessions/{sessionId}/console");
        await Assertions.Expect(teacher.Locator("#network")).ToBeVisibleAsync(new() { Timeout = BrowserSteps.Ms });
        await Assertions.Expect(teacher.Locator("#network")).ToContainTextAsync("could not reach the school's call service");

        var family = await CallInTheBrowserTests.CallPageAsync(browser);
        await WithWrongRelayPasswordAsync(family, $"/family/{token}/call");
        await family.GotoAsync($"/family/{token}/call");
        await family.GetByRole(AriaRole.Button, new() { Name = "Check camera and microphone" }).ClickAsync();
        await Assertions.Expect(family.Locator("#device-result")).ToContainTextAsync("could not reach the school's call service", new() { Timeout = BrowserSteps.Ms });
        await Assertions.Expect(family.Locator("#device-result")).ToContainTextAsync("Camera and microphone are working");
    }
}
