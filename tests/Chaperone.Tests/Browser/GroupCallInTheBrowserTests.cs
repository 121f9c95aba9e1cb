using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>
/// A small group in the built-in room (clause 1): two families, each on its own page, each bringing
/// and consenting for its own child, and the teacher confirming each family's consent.
/// </summary>
public sealed class GroupCallInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly float Ms = BrowserSteps.Ms;

    /// <summary>The family's page from their link: only their own child to say is here, then to the waiting room.</summary>
    private async Task<IPage> JoinAsync(string token, string child, string notTheirs)
    {
        var family = await CallInTheBrowserTests.CallPageAsync(browser);
        await family.GotoAsync($"/family/{token}/call");
        await CallInTheBrowserTests.ExpectStatusAsync(family, "tell us who is with you");
        await Assertions.Expect(family.GetByLabel($"{notTheirs} is here")).ToHaveCountAsync(0);
        await family.GetByLabel($"{child} is here").CheckAsync();
        await family.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        foreach (var item in FamilyChecklist.Items)
        {
            await family.GetByLabel(item.Text).CheckAsync();
        }
        await family.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(family, "The teacher will let you in shortly");
        return family;
    }

    [Fact]
    public async Task EachFamilyConsentsForItsOwnChildAndTheTeacherConfirmsEachBeforeTheStart()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.GroupBooking(start)));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        var links = app.Services.GetRequiredService<FamilyLinks>();

        var teacher = await CallInTheBrowserTests.CallPageAsync(browser);
        await BrowserSteps.SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync($"/sessions/{sessionId}");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Open the call" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The room is open");

        var mia = await JoinAsync(links.TokenFor(sessionId, school.Mother), "Toby Twoparents", "Ava Sibling");
        // A teacher working by keyboard keeps their place on "Admit Mia Mother" while the lobby changes
        // around it (the list is drawn again at each change), and admits her with Enter.
        var admitMia = teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" });
        await admitMia.FocusAsync();
        var sam = await JoinAsync(links.TokenFor(sessionId, school.SharedParent), "Ava Sibling", "Toby Twoparents");
        await Assertions.Expect(teacher.Locator("#families")).ToContainTextAsync("Sam Parent (Mother, parental responsibility): waiting in the lobby. With: Ava Sibling", new() { Timeout = Ms });
        await Assertions.Expect(admitMia).ToBeFocusedAsync(new() { Timeout = Ms });
        await teacher.Keyboard.PressAsync("Enter");
        await Assertions.Expect(teacher.GetByRole(AriaRole.Button, new() { Name = "Mute Mia Mother" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Sam Parent" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(sam, "You are in the call");

        // Mia's words name Toby only; the teacher confirms hers, and the start waits for Ava's parent.
        await Assertions.Expect(mia.Locator("#consent-text")).ToContainTextAsync("parental responsibility for Toby Twoparents.", new() { Timeout = Ms });
        await Assertions.Expect(mia.Locator("#consent-text")).Not.ToContainTextAsync("Ava");
        await mia.GetByRole(AriaRole.Button, new() { Name = "I give my consent" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm the consent of Mia Mother" }).ClickAsync();
        await Assertions.Expect(mia.Locator("#consent-state")).ToContainTextAsync("confirmed by the teacher", new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "The family's room is suitable" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Everyone is appropriately dressed" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#missing")).ToContainTextAsync("A parent with parental responsibility for Ava Sibling must give consent.", new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#error")).ToContainTextAsync("for Ava Sibling must give consent", new() { Timeout = Ms });

        await sam.GetByRole(AriaRole.Button, new() { Name = "I give my consent" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#consent")).ToContainTextAsync("Sam Parent (Mother) gave consent for Ava Sibling", new() { Timeout = Ms });
        await BrowserSteps.AssertEveryControlIsLabelledAsync(teacher);
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(teacher));
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm the consent of Sam Parent" }).ClickAsync();
        await Assertions.Expect(sam.Locator("#consent-state")).ToContainTextAsync("confirmed by the teacher", new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The session has started");
        await Assertions.Expect(sam.Locator("#recording")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(mia.Locator("#recording")).ToBeVisibleAsync(new() { Timeout = Ms });

        // Both families' parts end together; the session's record shows each child's consent.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "End the family's part" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(mia, "Your part of the call has finished");
        await CallInTheBrowserTests.ExpectStatusAsync(sam, "Your part of the call has finished");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Close the session" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The session is closed");
        await teacher.GotoAsync($"/sessions/{sessionId}/record");
        var consent = teacher.GetByRole(AriaRole.Region, new() { Name = "Consent (clause 1)" });
        await Assertions.Expect(consent.GetByRole(AriaRole.Heading, new() { Name = "For Toby Twoparents" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(consent.GetByRole(AriaRole.Heading, new() { Name = "For Ava Sibling" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(consent).ToContainTextAsync("Given by Sam Parent (Mother, parental responsibility)");
        await Assertions.Expect(consent).ToContainTextAsync("I, Mia Mother, have parental responsibility for Toby Twoparents.");
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(teacher));
    }
}
