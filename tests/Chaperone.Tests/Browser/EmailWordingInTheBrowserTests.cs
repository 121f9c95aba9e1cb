using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>The demo school's admin rewords the booking email in a real browser, previews it and saves it; the policy's parts stay in.</summary>
public sealed class EmailWordingInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task AdminPreviewsAndSavesTheBookingEmailsWordingAndThePolicyPartsStay()
    {
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await Nav(admin).GetByRole(AriaRole.Link, new() { Name = "Email wording" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/messages$"));
        await AssertEveryControlIsLabelledAsync(admin);

        // A placeholder that does not exist is refused, naming the paragraph; nothing typed is lost.
        await admin.GetByLabel("Opening paragraph").FillAsync("Dear {parent}, a call is booked.");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToContainTextAsync("{parent} is not a placeholder", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("Opening paragraph")).ToHaveValueAsync("Dear {parent}, a call is booked.", new() { Timeout = Ms });

        await admin.GetByLabel("Opening paragraph").FillAsync("Dear {recipient}, {school} has booked a call for {pupils}.");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var preview = admin.Locator("#preview-text");
        await Assertions.Expect(preview).ToContainTextAsync("Dear Sam Example,", new() { Timeout = Ms });
        await Assertions.Expect(preview).ToContainTextAsync("It is not a bedroom.", new() { Timeout = Ms });
        await Assertions.Expect(preview).ToContainTextAsync("gives consent at the start", new() { Timeout = Ms });

        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is saved", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("Opening paragraph")).ToHaveValueAsync("Dear {recipient}, {school} has booked a call for {pupils}.", new() { Timeout = Ms });
    }
}
