using System.Net;
using System.Text.RegularExpressions;
using Chaperone.Tests.Teams;
using Microsoft.Playwright;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>The demo school, served to a real browser, with Microsoft Graph and Entra stood in by <see cref="GraphOnLoopback"/>.</summary>
public sealed class TeamsBrowserApp() : BrowserApp(new KestrelTeamsApp())
{
    public GraphOnLoopback Graph => ((TeamsApp)App).Graph;

    private sealed class KestrelTeamsApp : TeamsApp
    {
        public KestrelTeamsApp() => UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }
}

/// <summary>
/// The demo school's admin connects Chaperone to Microsoft 365 on the Teams page, and a teacher
/// sees a Teams session's meeting options as Teams reports them. "Now" is Monday 30 November 2026, 08:00 UTC.
/// </summary>
public sealed class TeamsInTheBrowserTests(TeamsBrowserApp browser) : IClassFixture<TeamsBrowserApp>
{
    [Fact]
    public async Task AdminEntersTheRegistrationWithoutSeeingTheSecretAgainAndTheTestNamesWhatIsMissing()
    {
        // The school's own app registration: admin consent lacks the recordings permission, and
        // James Patel's account is licensed but no application access policy covers it.
        var clientId = Guid.NewGuid().ToString();
        var user = Guid.NewGuid().ToString();
        const string secret = "the-schools-own-secret-value";
        browser.Graph.ServeTokens(clientId, GraphOnLoopback.AllRoles.Where(r => r != "OnlineMeetingRecording.Read.All"));
        browser.Graph.Server.Given(Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}")).UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                id = user, userPrincipalName = "james.patel@demo.school", assignedLicenses = new[] { new { skuId = "6fd2c87f-b296-42f0-b197-1e91e994b900" } },
            }));
        browser.Graph.Server.Given(Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}/calendar")).UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new { id = "cal" }));
        browser.Graph.ServeError($"/users/{user}/onlineMeetings", "GET", 403, "Forbidden", "No application access policy found for this app.", priority: 1);

        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Microsoft Teams" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/teams$"));
        await admin.GetByLabel("Microsoft Teams").CheckAsync();
        await admin.GetByLabel("Directory (tenant) id").FillAsync(GraphOnLoopback.TenantId);
        await admin.GetByLabel("Application (client) id").FillAsync(clientId);
        await admin.GetByLabel("Client secret").FillAsync(secret);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).First.ClickAsync();

        await Assertions.Expect(admin.GetByText("A secret is stored (it is never shown).", new() { Exact = false })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("Client secret")).ToHaveValueAsync("", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("Application (client) id")).ToHaveValueAsync(clientId, new() { Timeout = Ms });
        Assert.DoesNotContain(secret, await admin.ContentAsync(), StringComparison.Ordinal);

        var account = admin.GetByLabel("Microsoft 365 account of James Patel");
        await account.FillAsync(user);
        await admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "James Patel" }).GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(admin.GetByLabel("Microsoft 365 account of James Patel")).ToHaveValueAsync(user, new() { Timeout = Ms });

        await admin.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();

        await Assertions.Expect(admin.GetByRole(AriaRole.Status).Filter(new() { HasText = "Something is missing:" })).ToBeVisibleAsync(new() { Timeout = Ms });
        var results = admin.Locator("[data-connection-test]");
        await Assertions.Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = "Token" })).ToContainTextAsync("OK", new() { Timeout = Ms });
        var permission = results.GetByRole(AriaRole.Row).Filter(new() { HasText = "Permission OnlineMeetingRecording.Read.All" });
        await Assertions.Expect(permission).ToContainTextAsync("Missing", new() { Timeout = Ms });
        await Assertions.Expect(permission).ToContainTextAsync("add the application permission OnlineMeetingRecording.Read.All", new() { Timeout = Ms });
        await Assertions.Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = "Permission Calendars.ReadWrite" })).ToContainTextAsync("OK", new() { Timeout = Ms });
        var meetings = results.GetByRole(AriaRole.Row).Filter(new() { HasText = $"Online meetings of {user}" });
        await Assertions.Expect(meetings).ToContainTextAsync("Missing", new() { Timeout = Ms });
        await Assertions.Expect(meetings).ToContainTextAsync("application access policy", new() { Timeout = Ms });
        await Assertions.Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = $"Account {user}" })).ToContainTextAsync("OK", new() { Timeout = Ms });
        Assert.DoesNotContain(secret, await admin.ContentAsync(), StringComparison.Ordinal);
        await AssertEveryControlIsLabelledAsync(admin);
        await ScreenshotAsync(admin, "teams-connection-test.png");
    }

    [Fact]
    public async Task ATeamsSessionsPageShowsTheMeetingOptionsTeamsReportsEvenWhenTheyAreNotTheOnesAskedFor()
    {
        // Emma Hughes's Teams meetings fall under a meeting policy that overrides Chaperone's options.
        var user = Guid.NewGuid().ToString();
        browser.Graph.ServeMeeting(user, keepsOptions: false);
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/teams");
        await admin.GetByLabel("Microsoft Teams").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).First.ClickAsync();
        await Assertions.Expect(admin.GetByLabel("Microsoft Teams")).ToBeCheckedAsync(new() { Timeout = Ms });
        await admin.GetByLabel("Microsoft 365 account of Emma Hughes").FillAsync(user);
        await admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "Emma Hughes" }).GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(admin.GetByLabel("Microsoft 365 account of Emma Hughes")).ToHaveValueAsync(user, new() { Timeout = Ms });

        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher1@demo.school");
        await page.GotoAsync("/sessions/new");
        await page.GetByLabel("Amelia Brown", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Amelia Brown" }).GetByLabel("Sarah Brown").CheckAsync();
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-02");
        await page.GetByLabel("Start time").FillAsync("14:00");
        await page.GetByLabel("Length in minutes").FillAsync("30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book session" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions/[0-9a-f-]{36}$"));

        var teams = page.GetByRole(AriaRole.Region, new() { Name = "Microsoft Teams meeting" });
        await Assertions.Expect(teams.GetByRole(AriaRole.Link, new() { Name = "Open in Teams" })).ToHaveAttributeAsync("href", new Regex("^https://teams\\.microsoft\\.com/l/meetup-join/"), new() { Timeout = Ms });
        async Task ExpectOption(string option, string value) =>
            await Assertions.Expect(teams.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = option, Exact = true }) }).GetByRole(AriaRole.Cell))
                .ToHaveTextAsync(value, new() { Timeout = Ms });
        await ExpectOption("Who can present", "everyone");
        await ExpectOption("Who bypasses the lobby", "organization");
        await ExpectOption("Dial-in callers bypass the lobby", "yes");
        await ExpectOption("Meeting chat", "enabled");
        await ExpectOption("Who admits from the lobby", "organizerAndCoOrganizers");
        await ExpectOption("Participants can rename themselves", "no");
        await ExpectOption("Records automatically", "no");
        await Assertions.Expect(teams).ToContainTextAsync("Teams reports options other than the safeguarding ones", new() { Timeout = Ms });
        await Assertions.Expect(teams).ToContainTextAsync("A Teams meeting policy may be overriding them.", new() { Timeout = Ms });
        await ScreenshotAsync(page, "teams-session.png");

        // After the call (clause 11), the teacher marks the outcome and confirms what Teams cannot record;
        // what they leave unticked is a breach of its clause.
        var session = page.Url;
        browser.App.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 2, 14, 40, 0, TimeSpan.Zero));
        await SignInAsync(page, "teacher1@demo.school");
        await page.GotoAsync(session);
        var outcome = page.Locator("#outcome-panel");
        await outcome.GetByRole(AriaRole.Radio, new() { Name = "Completed" }).CheckAsync();
        foreach (var confirmed in new[] { "gave consent at the start", "the meeting's chat was not used", "I gave the expectations", "communal and suitable" })
        {
            await outcome.GetByLabel(confirmed).CheckAsync();
        }
        await outcome.GetByLabel("Session notes").FillAsync("Phonics practice.");
        await outcome.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The outcome is recorded: Completed.", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause='5'] .badge")).ToHaveTextAsync("Met", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause='10'] .badge")).ToHaveTextAsync("Breached", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-current-outcome]")).ToContainTextAsync("Phonics practice.", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
    }
}
