using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Teams;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Clause 1 for each child of a small group on Teams: Teams records no consent, so the teacher
/// confirms each child's with the outcome, and what they leave unticked names the child.
/// </summary>
public sealed class TeamsSmallGroupInTheBrowserTests(TeamsBrowserApp browser) : IClassFixture<TeamsBrowserApp>
{
    [Fact]
    public async Task TheTeacherConfirmsEachChildsConsentAndTheRecordSaysWhoseWasNot()
    {
        var app = (TeamsApp)browser.App;
        var school = await TestSchool.CreateAsync(app);
        browser.Graph.ServeMeeting(await app.UseTeamsAsync(school));
        var start = CallClient.NextSessionStart(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.GroupBooking(start));
        app.Clock.SetUtcNow(start.AddMinutes(35));

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.TeacherEmail, TestSchool.Password);
        await page.GotoAsync($"/sessions/{id}");
        var outcome = page.Locator("#outcome-panel");
        await outcome.GetByRole(AriaRole.Radio, new() { Name = "Completed" }).CheckAsync();
        // One consent to confirm for each child, none for the group as a whole.
        await Assertions.Expect(outcome.GetByLabel("gave consent at the start")).ToHaveCountAsync(2);
        await outcome.GetByLabel("For Toby Twoparents, a parent with parental responsibility").CheckAsync();
        foreach (var confirmed in new[] { "the meeting's chat was not used", "I gave the expectations", "communal and suitable", "appropriately dressed" })
        {
            await outcome.GetByLabel(confirmed).CheckAsync();
        }
        await outcome.GetByLabel("Session notes").FillAsync("Ava's mother joined after the start.");
        await AssertEveryControlIsLabelledAsync(page);
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await outcome.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The outcome is recorded: Completed.", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause='1'] .badge")).ToHaveTextAsync("Breached", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause='1']")).ToContainTextAsync("The teacher did not confirm, for Ava Sibling, a parent's consent", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-current-outcome]")).ToContainTextAsync("For Toby Twoparents, a parent with parental responsibility", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-current-outcome]")).Not.ToContainTextAsync("For Ava Sibling");

        // The session's record says, child by child, whose consent the teacher confirmed.
        await page.GotoAsync($"/sessions/{id}/record");
        var consent = page.GetByRole(AriaRole.Region, new() { Name = "Consent (clause 1)" });
        await Assertions.Expect(consent.Locator("[data-teams-consent]").Filter(new() { HasText = "For Toby Twoparents:" })).ToContainTextAsync("Confirmed by the teacher with the outcome", new() { Timeout = Ms });
        await Assertions.Expect(consent.Locator("[data-teams-consent]").Filter(new() { HasText = "For Ava Sibling:" })).ToContainTextAsync("Not confirmed by the teacher", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
    }
}
