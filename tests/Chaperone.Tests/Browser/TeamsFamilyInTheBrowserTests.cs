using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Teams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// A parent on their page for a Teams session, at the start: they read the consent's words, give
/// it (clause 1: Teams cannot ask it), and the page then gives them the Teams meeting's link.
/// The test moves the clock, so the class has its own app.
/// </summary>
public sealed class TeamsFamilyInTheBrowserTests(TeamsBrowserApp browser) : IClassFixture<TeamsBrowserApp>
{
    [Fact]
    public async Task TheParentConsentsOnTheirPageAndIsThenGivenTheTeamsMeetingsLink()
    {
        var app = (TeamsApp)browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (_, _, joinUrl, _) = browser.Graph.ServeMeeting(await app.UseTeamsAsync(school));
        var start = CallClient.NextSessionStart(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        var token = app.Services.GetRequiredService<FamilyLinks>().TokenFor(Guid.Parse(id), school.Mother);
        app.Clock.SetUtcNow(start.AddMinutes(-8));

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/family/{token}");
        var consent = page.GetByRole(AriaRole.Region, new() { Name = "Your consent (clause 1)" });
        await Assertions.Expect(consent.Locator("[data-consent-text]")).ToContainTextAsync("I, Mia Mother, have parental responsibility for Toby Twoparents.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Join the Teams meeting" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-join-hint]")).ToContainTextAsync("Give your consent above", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        Assert.Empty(await AccessibilityViolationsAsync(page));

        await consent.GetByRole(AriaRole.Button, new() { Name = "I give my consent" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "your consent is recorded" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(consent.Locator("[data-consent-given]")).ToContainTextAsync("You gave your consent at", new() { Timeout = Ms });
        await Assertions.Expect(consent.GetByRole(AriaRole.Button, new() { Name = "I give my consent" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Join the Teams meeting" })).ToHaveAttributeAsync("href", joinUrl, new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await ScreenshotAsync(page, "family-teams-consent.png");
    }
}
