using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Two-factor sign-in in a real browser: the demo DSL signs in with a code from the authenticator
/// app; a teacher enrols an app and then needs its code; a DSL without it is sent to enrol.
/// </summary>
public sealed class TwoFactorInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private ChaperoneApp App => browser.App;

    private static async Task EnterPasswordAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    [Fact]
    public async Task TheDemoDslSignsInWithACodeFromTheAuthenticatorAfterAWrongOneIsRefused()
    {
        var page = await browser.NewPageAsync();
        await EnterPasswordAsync(page, "dsl@demo.school", ChaperoneApp.DemoPassword);

        var code = page.GetByLabel("Code from your authenticator app");
        await Assertions.Expect(code).ToBeVisibleAsync(new() { Timeout = Ms });
        await code.FillAsync("000000" == App.TotpCode(ChaperoneApp.DemoTotpSecret) ? "111111" : "000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-summary]")).ToContainTextAsync("That code is not right", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);

        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode("dsl@demo.school", ChaperoneApp.DemoTotpSecret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await page.WaitForPageAsync(new Regex("/sessions$"));
        await Assertions.Expect(page.GetByText("Signed in as")).ToContainTextAsync("David Okafor", new() { Timeout = Ms });
    }

    [Fact]
    public async Task ATeacherEnrolsAnAuthenticatorAppAndThenNeedsItsCodeToSignIn()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher2@demo.school");
        await page.GetByRole(AriaRole.Link, new() { Name = "Two-factor sign-in" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/account/two-factor$"));
        await Assertions.Expect(page.Locator("[data-two-factor-state]")).ToContainTextAsync("off", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code holding your Chaperone authenticator key" })).ToBeVisibleAsync(new() { Timeout = Ms });
        var key = (await page.Locator("[data-authenticator-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var uri = await page.Locator("[data-otpauth-uri]").GetAttributeAsync("href");
        Assert.StartsWith("otpauth://totp/Chaperone:teacher2%40demo.school?secret=" + key, uri);
        await AssertEveryControlIsLabelledAsync(page);

        await page.GetByLabel("Code from your authenticator app").FillAsync("12345");
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-summary]")).ToContainTextAsync("six-digit code", new() { Timeout = Ms });

        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode("teacher2@demo.school", key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-two-factor-state]")).ToContainTextAsync("on", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-recovery-codes] li")).ToHaveCountAsync(10, new() { Timeout = Ms });
        await ScreenshotAsync(page, "two-factor-on.png");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/signin"));
        await EnterPasswordAsync(page, "teacher2@demo.school", ChaperoneApp.DemoPassword);
        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode("teacher2@demo.school", key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions$"));

        // A teacher may turn it off again; afterwards the password alone signs in.
        await page.GotoAsync("/account/two-factor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn off two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-two-factor-state]")).ToContainTextAsync("off", new() { Timeout = Ms });

        // Turning it on again takes a new key, whose first code is accepted at once, although a code
        // of the old key was accepted later in time (the clock has not moved on since).
        var newKey = (await page.Locator("[data-authenticator-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        Assert.NotEqual(key, newKey);
        await page.GetByLabel("Code from your authenticator app").FillAsync(App.TotpCode(newKey));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-two-factor-state]")).ToContainTextAsync("on", new() { Timeout = Ms });
    }

    [Fact]
    public async Task ADslWithoutTwoFactorIsSentToEnrolAndCannotTurnItOffOnceOn()
    {
        var school = await TestSchool.CreateAsync(App);
        await Concerns.ConcernTestSupport.TurnOffTwoFactorAsync(App, school.DslEmail);
        var page = await browser.NewPageAsync();
        await EnterPasswordAsync(page, school.DslEmail, TestSchool.Password);

        await page.WaitForPageAsync(new Regex("/account/two-factor"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your role needs two-factor sign-in", new() { Timeout = Ms });
        var key = (await page.Locator("[data-authenticator-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode(school.DslEmail, key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-two-factor-state]")).ToContainTextAsync("on", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn off two-factor sign-in" })).ToHaveCountAsync(0, new() { Timeout = Ms });
        // This sign-in now counts as two-factor: the policy for reading concerns lets it through.
        var me = await page.APIRequest.GetAsync("/api/v1/auth/me");
        Assert.Contains("\"mayReadConcerns\":true", await me.TextAsync(), StringComparison.Ordinal);
    }
}
