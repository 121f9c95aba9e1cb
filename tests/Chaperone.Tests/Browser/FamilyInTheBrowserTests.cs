using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// A parent opens the link from their delivered booking email on a phone, in a real browser: sees the session, ticks the room
/// checklist (saved, and still ticked after a reload), tests the camera and microphone (Chromium's
/// fake devices), and finds the join button closed until the call. The teacher then sees the answers.
/// "Now" is Monday 30 November 2026, 08:00 UTC; the session is Wednesday 2 December at 10:00.
/// </summary>
public sealed class FamilyInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly DateTimeOffset Wednesday10 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AGuardianOpensTheLinkSeesTheSessionTicksTheChecklistAndTestsTheCamera()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10);
        var link = await EmailedLinkAsync(sessionId, sarah);

        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone, media: true);
        await page.GotoAsync(link);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Video call with Emma Hughes for Amelia Brown", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-when]")).ToContainTextAsync("Wednesday 2 December 2026, 10:00–10:30", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("This page is for Sarah Brown.")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(Nav(page)).ToHaveCountAsync(0, new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Policy" })).ToHaveCountAsync(0, new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        Assert.Empty(await AccessibilityViolationsAsync(page));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth").WaitAsync(BrowserApp.Timeout),
            "The page fits a phone's width without sideways scrolling.");

        // Ticked with the keyboard as well as by touch.
        await page.GetByLabel("It is not a bedroom.").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.GetByLabel("The television and other devices will be switched off during the call.").CheckAsync();
        await page.GetByLabel("My child will be dressed appropriately, as for a school day.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my answers" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "your answers are saved" })).ToBeVisibleAsync(new() { Timeout = Ms });

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("It is not a bedroom.")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("The television and other devices will be switched off during the call.")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("My child will be dressed appropriately, as for a school day.")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("We will use a shared family room, not a private one.")).Not.ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-checklist-saved]")).ToHaveTextAsync("Last saved Monday 30 November 2026, 08:00.", new() { Timeout = Ms });

        await page.GetByRole(AriaRole.Button, new() { Name = "Start the test" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-media-status]")).ToHaveTextAsync("Your camera and microphone are working.", new() { Timeout = Ms });
        Assert.True(await page.EvaluateAsync<int>("() => document.querySelector('[data-media-preview]').videoWidth").WaitAsync(BrowserApp.Timeout) > 0);

        var join = page.GetByRole(AriaRole.Button, new() { Name = "Join the call" });
        await Assertions.Expect(join).ToBeDisabledAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-join-hint]")).ToHaveTextAsync("The join button opens 10 minutes before the start, at 09:50 on Wednesday 2 December 2026.", new() { Timeout = Ms });
        await ScreenshotAsync(page, "family.png");
        // The fake camera keeps the CPU busy while it runs: stop it, as the other browser tests share this machine.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop the test" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-media-status]")).ToContainTextAsync("The test has stopped", new() { Timeout = Ms });
        await page.Context.CloseAsync();

        // The teacher sees what the parent confirmed, on the session's page.
        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, "teacher1@demo.school");
        await teacher.GotoAsync($"/sessions/{sessionId}");
        var answers = teacher.Locator($"[data-family-guardian='{sarah}'] [data-checklist-answers]");
        await Assertions.Expect(answers).ToContainTextAsync("Confirmed: It is not a bedroom.", new() { Timeout = Ms });
        await Assertions.Expect(answers).ToContainTextAsync("Not ticked: We will use a shared family room", new() { Timeout = Ms });
        await Assertions.Expect(teacher.GetByLabel("Family link for Sarah Brown")).ToHaveValueAsync(new Regex("/family/"), new() { Timeout = Ms });
        await teacher.Context.CloseAsync();
    }

    [Fact]
    public async Task AParentWhoCannotComeTellsTheSchoolAndTheTeacherSeesItThenTheyTakeItBack()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(5).AddHours(3));
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await page.GotoAsync(await GuardianLinkAsync(sessionId, sarah));

        var section = page.GetByRole(AriaRole.Region, new() { Name = "If you cannot come" });
        await section.GetByLabel("A message for the teacher (optional)").FillAsync("Amelia has a dentist appointment.\nAny afternoon next week suits us.");
        await section.GetByRole(AriaRole.Button, new() { Name = "Tell the school we cannot come" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "the teacher is told that you cannot come" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(section.Locator("[data-cannot-come-said]")).ToContainTextAsync("You told the school on Monday 30 November 2026 at 08:00 that you cannot come.", new() { Timeout = Ms });
        await Assertions.Expect(section.Locator("[data-cannot-come-message]")).ToContainTextAsync("Amelia has a dentist appointment.", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await ScreenshotAsync(page, "family-cannot-come.png");

        // The teacher sees it at the top of the session's page, with what the parent wrote.
        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, "teacher1@demo.school");
        await teacher.GotoAsync($"/sessions/{sessionId}");
        var notice = teacher.Locator("[data-family-cannot-come]");
        await Assertions.Expect(notice).ToContainTextAsync("Sarah Brown (Mother) told the school on Monday 30 November 2026 at 08:00 that they cannot come.", new() { Timeout = Ms });
        await Assertions.Expect(notice).ToContainTextAsync("Any afternoon next week suits us.", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(teacher));

        // The parent can come after all: the page offers the form again, and the teacher's notice is gone.
        await section.GetByRole(AriaRole.Button, new() { Name = "We can come after all" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "you can come after all" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(section.GetByRole(AriaRole.Button, new() { Name = "Tell the school we cannot come" })).ToBeVisibleAsync(new() { Timeout = Ms });
        await teacher.ReloadAsync();
        await Assertions.Expect(teacher.Locator("[data-family-cannot-come]")).ToHaveCountAsync(0, new() { Timeout = Ms });
        await page.Context.CloseAsync();
        await teacher.Context.CloseAsync();
    }

    [Fact]
    public async Task AfterSavingOnAPhoneTheThanksIsInTheSectionSavedInSight()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(7));
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await page.GotoAsync(await GuardianLinkAsync(sessionId, sarah));

        var checklist = page.GetByRole(AriaRole.Region, new() { Name = "Before the call: the room and dress" });
        await checklist.GetByLabel("It is not a bedroom.").CheckAsync();
        await checklist.GetByRole(AriaRole.Button, new() { Name = "Save my answers" }).ClickAsync();

        // The page comes back at the checklist, far down a phone's screen: the thanks is there, in sight, and not at the top.
        var thanks = checklist.GetByRole(AriaRole.Status).Filter(new() { HasText = "Thank you: your answers are saved." });
        await Assertions.Expect(thanks).ToBeInViewportAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("your answers are saved")).ToHaveCountAsync(1, new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));

        // Opened again, it is gone.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByText("your answers are saved")).ToHaveCountAsync(0, new() { Timeout = Ms });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OnAPhoneAMessageTheSchoolCannotKeepBringsTheParentToItsError()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(7).AddHours(1));
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await page.GotoAsync(await GuardianLinkAsync(sessionId, sarah));

        // The form is far down the page; the answer comes back at its error, focused, not at the page's top.
        var section = page.GetByRole(AriaRole.Region, new() { Name = "If you cannot come" });
        await section.GetByLabel("A message for the teacher (optional)").FillAsync("We are away\u0007 that week.");
        await section.GetByRole(AriaRole.Button, new() { Name = "Tell the school we cannot come" }).ClickAsync();

        var summary = section.Locator("[data-error-summary]");
        await Assertions.Expect(summary).ToContainTextAsync("Your message has characters that cannot be kept", new() { Timeout = Ms });
        await Assertions.Expect(summary).ToBeFocusedAsync(new() { Timeout = Ms });
        await Assertions.Expect(summary).ToBeInViewportAsync(new() { Timeout = Ms });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AddToYourCalendarDownloadsTheCallAndOnceItIsCancelledShowsAPageThatSaysSo()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(8));
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await page.GotoAsync(await GuardianLinkAsync(sessionId, sarah));
        var add = page.GetByRole(AriaRole.Link, new() { Name = "Add to your calendar" });

        var download = await page.RunAndWaitForDownloadAsync(() => add.ClickAsync());
        Assert.Equal("video-call.ics", download.SuggestedFilename);
        Assert.Contains("BEGIN:VEVENT", await File.ReadAllTextAsync(await download.PathAsync()), StringComparison.Ordinal);

        // The school cancels while the page is still open; the parent taps the link: a page that says so, not the problem's JSON.
        using (var staff = await browser.StaffClientAsync("teacher1@demo.school"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await Api.CancelAsync(staff, sessionId)).StatusCode);
        }
        await add.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This session was cancelled", new() { Timeout = Ms });
        Assert.DoesNotContain("problems", await page.Locator("body").InnerTextAsync(new() { Timeout = Ms }), StringComparison.Ordinal);
        Assert.Equal(410, (await page.ReloadAsync())!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheBookingEmailFitsAPhoneWithItsLongLinkWrapped()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(7).AddHours(2));
        var row = await browser.App.WithDbAsync(db => db.OutboxMessages.SingleAsync(m => m.SessionId == Guid.Parse(sessionId) && m.RecipientId == sarah && m.Kind == Chaperone.Notifications.MessageKind.Booked));
        using var mime = browser.App.Services.GetRequiredService<Chaperone.Notifications.MessageComposer>().Render(row);

        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await page.SetContentAsync(mime.HtmlBody!);

        Assert.Contains("/family/", await page.Locator("span").Filter(new() { HasText = "/family/" }).InnerTextAsync(new() { Timeout = Ms }));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth").WaitAsync(BrowserApp.Timeout),
            "The email fits a phone's width without sideways scrolling.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnAlteredLinkShowsAPageThatNamesNobody()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(1));
        var link = await GuardianLinkAsync(sessionId, sarah);
        var altered = link[..^6] + (link[^6] == 'x' ? 'y' : 'x') + link[^5..];

        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        var response = await page.GotoAsync(altered);

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This link does not work", new() { Timeout = Ms });
        var text = await page.Locator("body").InnerTextAsync(new() { Timeout = Ms });
        Assert.DoesNotContain("Amelia", text);
        Assert.DoesNotContain("Sarah", text);
        Assert.DoesNotContain("Emma", text);
        Assert.DoesNotContain("December", text);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WhenTheBrowserRefusesTheCameraTheTestSaysWhatToDo()
    {
        var (sessionId, sarah) = await BookForAmeliaAsync(Wednesday10.AddDays(2));
        await using var refusing = await browser.LaunchAsync(fakeMediaPermission: false);
        var context = await refusing.NewContextAsync(new() { BaseURL = browser.BaseAddress.ToString(), Locale = "en-GB", ViewportSize = BrowserApp.Phone });
        context.SetDefaultTimeout(Ms);
        var page = await context.NewPageAsync();
        await page.GotoAsync(await GuardianLinkAsync(sessionId, sarah));

        await page.GetByRole(AriaRole.Button, new() { Name = "Start the test" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-media-status]")).ToContainTextAsync("was not allowed to use the camera and microphone", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start the test" })).ToBeEnabledAsync(new() { Timeout = Ms });
        await context.CloseAsync();
    }

    /// <summary>The link as the parent gets it: from the booking email the outbox delivered.</summary>
    private async Task<string> EmailedLinkAsync(string sessionId, Guid guardianId)
    {
        var address = await browser.App.WithDbAsync(db => db.Guardians.Where(g => g.Id == guardianId).Select(g => g.Email!).SingleAsync());
        return await BrowserSteps.EmailedLinkAsync(browser.App, address, new Regex(@"https?://\S+/family/[A-Za-z0-9_-]+"), message => message.Headers["X-Chaperone-Session"] == sessionId);
    }

    private async Task<string> GuardianLinkAsync(string sessionId, Guid guardianId)
    {
        using var staff = await browser.StaffClientAsync("teacher1@demo.school");
        var links = await staff.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{sessionId}/family-links");
        return links.GetProperty("guardians").EnumerateArray()
            .Single(g => g.GetProperty("guardianId").GetString() == guardianId.ToString())
            .GetProperty("url").GetString()!;
    }

    /// <summary>Teacher 1 books Amelia Brown, with her mother Sarah, through the API; returns the session and Sarah's id.</summary>
    private async Task<(string SessionId, Guid Sarah)> BookForAmeliaAsync(DateTimeOffset start)
    {
        var (teacher, amelia, sarah) = await browser.App.WithDbAsync(async db => (
            await db.Users.Where(u => u.Email == "teacher1@demo.school").Select(u => u.Id).SingleAsync(),
            await db.Pupils.Where(p => p.Name == "Amelia Brown").Select(p => p.Id).SingleAsync(),
            await db.Guardians.Where(g => g.Name == "Sarah Brown").Select(g => g.Id).SingleAsync()));
        using var staff = await browser.StaffClientAsync("teacher1@demo.school");
        var id = await TestSchool.BookOkAsync(staff, new
        {
            teacherId = teacher.ToString(),
            pupilIds = new[] { amelia.ToString() },
            guardianIds = new[] { sarah.ToString() },
            kind = "support",
            start = Api.Rfc3339(start),
            durationMinutes = 30,
        });
        return (id, sarah);
    }
}
