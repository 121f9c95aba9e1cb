using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Clause 12 in real browsers: a teacher raises a safeguarding concern; the DSL's inbox, already
/// open in another browser, shows the alert at once without reloading; the DSL opens it and acknowledges it.
/// </summary>
public sealed class ConcernsInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private ChaperoneApp App => browser.App;

    private Task SignInDslAsync(IPage page) => SignInWithTwoFactorsAsync(page, App, "dsl@demo.school");

    [Fact]
    public async Task ATeachersSafeguardingConcernAppearsLiveInTheDslsOpenInboxAndTheDslAcknowledgesIt()
    {
        var dsl = await browser.NewPageAsync();
        await SignInDslAsync(dsl);
        await Nav(dsl).GetByRole(AriaRole.Link, new() { Name = "Safeguarding inbox" }).ClickAsync();
        await dsl.WaitForPageAsync(new Regex("/concerns$"));
        await Assertions.Expect(dsl.Locator("html[data-staff-hub=connected]")).ToHaveCountAsync(1, new() { Timeout = Ms });
        var loads = 0;
        dsl.Load += (_, _) => loads++;

        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, "teacher1@demo.school");
        await Nav(teacher).GetByRole(AriaRole.Link, new() { Name = "Concerns" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Raise a concern" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/concerns/new$"));
        await AssertEveryControlIsLabelledAsync(teacher);
        // Nothing chosen: the form says what to fix, and nothing is sent.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Raise the concern" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("[data-error-summary]")).ToContainTextAsync("Choose the kind of concern", new() { Timeout = Ms });

        await teacher.GetByLabel("Safeguarding (to the DSL and deputies at once)").CheckAsync();
        await teacher.Locator("#pupils").CheckAsync();
        await teacher.GetByLabel("Summary").FillAsync("Worried about marks on arm");
        await teacher.GetByLabel("What happened").FillAsync("During the call the pupil pulled down a sleeve to hide a mark.");
        await teacher.GetByLabel("The child's own words (optional)").FillAsync("I fell over.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Raise the concern" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/concerns/[0-9a-f-]{36}$"));
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The DSL and deputies have been alerted", new() { Timeout = Ms });
        var reference = Regex.Match(await teacher.Locator("h1").InnerTextAsync(), @"C-\d{4}").Value;

        // The DSL's page, untouched, now shows the alert and the new row: content-free.
        var alerts = dsl.Locator("[data-staff-alerts]");
        await Assertions.Expect(alerts).ToContainTextAsync("A safeguarding concern", new() { Timeout = Ms });
        await Assertions.Expect(alerts).ToContainTextAsync(reference, new() { Timeout = Ms });
        await Assertions.Expect(alerts).Not.ToContainTextAsync("marks on arm", new() { Timeout = Ms });
        await Assertions.Expect(dsl.Locator("[data-concern-inbox] tbody tr").First).ToContainTextAsync(reference, new() { Timeout = Ms });
        Assert.Equal(0, loads);
        // The live row lines up with the table's columns; its summary is read by opening it.
        Assert.Equal(await dsl.Locator("[data-concern-inbox] thead th").CountAsync(), await dsl.Locator("[data-concern-inbox] tbody tr").First.Locator("td").CountAsync());

        await alerts.GetByRole(AriaRole.Link, new() { Name = $"Open {reference}" }).ClickAsync();
        await dsl.WaitForPageAsync(new Regex("/concerns/[0-9a-f-]{36}$"));
        await Assertions.Expect(dsl.GetByText("I fell over.")).ToBeVisibleAsync(new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(dsl);
        await dsl.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge {reference}" }).ClickAsync();
        await Assertions.Expect(dsl.Locator("[data-concern-state]")).ToContainTextAsync("Acknowledged", new() { Timeout = Ms });
        await Assertions.Expect(dsl.Locator("[data-chronology]")).ToContainTextAsync("Acknowledged by David Okafor", new() { Timeout = Ms });

        await dsl.GetByLabel("Kind of entry").SelectOptionAsync("action");
        await dsl.GetByLabel("Entry", new() { Exact = true }).FillAsync("Phoned the family; referral to children's social care.");
        await dsl.GetByRole(AriaRole.Button, new() { Name = "Add the entry" }).ClickAsync();
        await Assertions.Expect(dsl.Locator("[data-chronology]")).ToContainTextAsync("referral to children's social care", new() { Timeout = Ms });
        await ScreenshotAsync(dsl, "concern-acknowledged.png");

        // Its outcome decided, the DSL closes it: not without writing the outcome (the field says so), then with it.
        await dsl.GetByRole(AriaRole.Button, new() { Name = $"Close {reference}" }).ClickAsync();
        await Assertions.Expect(dsl.Locator("[data-error-summary]")).ToContainTextAsync("Write the outcome that closes it", new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByLabel("The outcome that closes it")).ToHaveAttributeAsync("aria-invalid", "true", new() { Timeout = Ms });
        await dsl.GetByLabel("The outcome that closes it").FillAsync("Early help plan agreed with the family.");
        await dsl.GetByRole(AriaRole.Button, new() { Name = $"Close {reference}" }).ClickAsync();
        await Assertions.Expect(dsl.Locator("[data-concern-state]")).ToContainTextAsync("Closed by David Okafor", new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByRole(AriaRole.Button, new() { Name = $"Reopen {reference}" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(dsl);

        // The inbox gives each concern's summary, so the DSL can see at a glance what each is about.
        await dsl.GotoAsync("/concerns");
        await Assertions.Expect(dsl.Locator($"[data-concern-inbox] tbody tr:has-text('{reference}') [data-concern-summary]")).ToHaveTextAsync("Worried about marks on arm", new() { Timeout = Ms });
        await dsl.GoBackAsync();

        // On a phone, what was reported reads down the page: each value as wide as the page, not a sliver beside its name.
        await dsl.SetViewportSizeAsync(390, 844);
        var summary = await dsl.Locator(".facts dd").Filter(new() { HasText = "Worried about marks on arm" }).BoundingBoxAsync();
        Assert.True(summary!.Width > 280, $"The summary is {summary.Width}px wide on a 390px screen.");
        await dsl.SetViewportSizeAsync(1280, 900);

        // The pupil moves school: from the pupil's chronology, the DSL downloads their child protection file.
        await dsl.Locator("a[href$='/chronology']").First.ClickAsync();
        await dsl.WaitForPageAsync(new Regex("/pupils/[0-9a-f-]{36}/chronology$"));
        await AssertEveryControlIsLabelledAsync(dsl);
        var download = await dsl.RunAndWaitForDownloadAsync(
            () => dsl.GetByRole(AriaRole.Link, new() { Name = "Download the child protection file (PDF)" }).ClickAsync(), new() { Timeout = Ms });
        Assert.StartsWith("child-protection-file-", download.SuggestedFilename, StringComparison.Ordinal);
        var file = Chaperone.Tests.Records.RecordApiTests.PdfText(await File.ReadAllBytesAsync(await download.PathAsync()));
        foreach (var expected in new[] { reference, "Worried about marks on arm", "I fell over.", "referral to children's social care", "Acknowledged by David Okafor", "Early help plan agreed" })
        {
            Assert.True(file.Contains(expected, StringComparison.Ordinal), $"The file lacks \"{expected}\". It reads: {file}");
        }
    }

    [Fact]
    public async Task WithNobodyInTheDslRoleTheTeacherIsToldWhoWasAlertedInstead()
    {
        var school = await TestSchool.CreateAsync(App);
        var admin = await school.AdminAsync(App);
        (await admin.PutAsJsonAsync("/api/v1/concerns/settings", new { acknowledgeWithinMinutes = 15, headteacherId = school.SltId.ToString(), behaviourLeadId = (string?)null })).EnsureSuccessStatusCode();
        var dslId = await App.WithDbAsync(db => db.Users.Where(u => u.Email == school.DslEmail).Select(u => u.Id).SingleAsync());
        (await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = false })).EnsureSuccessStatusCode();

        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync("/concerns/new");
        await teacher.GetByLabel("Safeguarding (to the DSL and deputies at once)").CheckAsync();
        await teacher.Locator("#pupils").CheckAsync();
        await teacher.GetByLabel("Summary").FillAsync("Upset about home");
        await teacher.GetByLabel("What happened").FillAsync("The pupil said they did not want to go home.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Raise the concern" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/concerns/[0-9a-f-]{36}$"));

        var head = await App.WithDbAsync(db => db.Users.Where(u => u.Id == school.SltId).Select(u => u.Name).SingleAsync());
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync($"Nobody in the school holds the DSL role in Chaperone, so it went straight to the headteacher, {head}.", new() { Timeout = Ms });
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).Not.ToContainTextAsync("The DSL and deputies have been alerted", new() { Timeout = Ms });
    }

    [Fact]
    public async Task ATeacherRaisingABehaviourConcernIsToldWhichSeniorLeaderWasAlerted()
    {
        var school = await TestSchool.CreateAsync(App);
        var head = await App.WithDbAsync(db => db.Users.Where(u => u.Id == school.SltId).Select(u => u.Name).SingleAsync());

        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync("/concerns/new");
        await teacher.GetByLabel("Inappropriate behaviour (to the senior leadership team)").CheckAsync();
        await teacher.Locator("#pupils").CheckAsync();
        await teacher.GetByLabel("Senior leader for a behaviour concern (optional)").SelectOptionAsync(new SelectOptionValue { Label = head });
        await teacher.GetByLabel("Summary").FillAsync("Kept turning the camera away");
        await teacher.GetByLabel("What happened").FillAsync("The pupil turned the camera to the television twice after being asked not to.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Raise the concern" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/concerns/[0-9a-f-]{36}$"));
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync($"The senior leader {head} has been alerted.", new() { Timeout = Ms });
    }
}
