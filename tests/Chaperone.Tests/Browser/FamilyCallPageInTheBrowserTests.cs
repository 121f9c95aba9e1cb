using System.Globalization;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The family's call page (<c>/family/{token}/call</c>) on a parent's phone, before the teacher
/// opens the room: the family's own layout, and what it and the family's page say and do for a
/// parent who comes early. The server's clock is the app's fake one, which stands still; the
/// pages reckon by the time it gave them, so it is moved on as they reach the opening.
/// </summary>
public sealed class FamilyCallPageInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task TheCallPageIsTheFamilysOwnAndFitsASmallPhone()
    {
        var (school, token) = await BookAsync(AWednesdayAhead(TimeSpan.Zero));
        var name = await browser.App.WithDbAsync(db => db.Schools.Where(s => s.Id == school.SchoolId).Select(s => s.Name).SingleAsync());
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone, media: true);
        await page.GotoAsync($"/family/{token}/call");

        // The school's name, no staff navigation and no way to the staff sign-in, the note not to share the link.
        await Assertions.Expect(page.Locator("header .brand")).ToHaveTextAsync(name, new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("header a, footer a")).ToHaveCountAsync(0, new() { Timeout = Ms });
        await Assertions.Expect(Nav(page)).ToHaveCountAsync(0, new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("footer")).ToContainTextAsync("Please do not share the link.", new() { Timeout = Ms });

        // Every declaration's box sits beside its words, not above them.
        var detached = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('.check')].filter(c => {
                const box = c.querySelector('input').getBoundingClientRect(), label = c.querySelector('label').getBoundingClientRect();
                return !(label.left >= box.right && label.top < box.bottom);
            }).map(c => c.textContent.trim())
            """).WaitAsync(BrowserApp.Timeout);
        Assert.Empty(detached);
        await AssertEveryControlIsLabelledAsync(page);
        Assert.Empty(await AccessibilityViolationsAsync(page));

        await page.SetViewportSizeAsync(320, 640);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth").WaitAsync(BrowserApp.Timeout),
            "The call page fits a 320 px phone without sideways scrolling.");
        await ScreenshotAsync(page, "family-call-320.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AParentWaitingOnTheirPageSeesTheJoinButtonOpenByItself()
    {
        var start = AWednesdayAhead(TimeSpan.Zero);
        var (_, token) = await BookAsync(start);
        browser.App.Clock.SetUtcNow(start.AddMinutes(-10).AddSeconds(-3));
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone, media: true);
        await page.GotoAsync($"/family/{token}");

        var join = page.GetByRole(AriaRole.Button, new() { Name = "Join the call" });
        await Assertions.Expect(join).ToBeDisabledAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-join-hint]")).ToHaveTextAsync($"The join button opens 10 minutes before the start, at 09:50 on {Day(start)}.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Keep this page open: the button opens by itself then.")).ToBeVisibleAsync(new() { Timeout = Ms });
        await page.GetByLabel("It is not a bedroom.").CheckAsync();

        // 09:50 comes while the parent waits on the page: the button opens without a reload, and what they ticked stays.
        browser.App.Clock.SetUtcNow(start.AddMinutes(-10).AddSeconds(1));
        var open = page.GetByRole(AriaRole.Link, new() { Name = "Join the call" });
        await Assertions.Expect(open).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-join-hint]")).ToContainTextAsync("The call is open: join now.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Keep this page open")).ToHaveCountAsync(0, new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("It is not a bedroom.")).ToBeCheckedAsync(new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await open.ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("tell us who is with you", new() { Timeout = Ms });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ACallPageOpenedEarlySaysOnceWhenTheRoomOpensAndGoesInByItselfWithTheSavedChecklist()
    {
        // A school in Paris: 10:00 there is 09:00 UTC, and its pages give the school's own time.
        var start = AWednesdayAhead(TimeSpan.FromHours(1));
        var (_, token) = await BookAsync(start, school => school.TimeZoneId = "Europe/Paris");
        var page = await browser.NewPageAsync(viewport: BrowserApp.Phone, media: true);
        // The parent ticked part of the room checklist on their page the day before.
        await page.GotoAsync($"/family/{token}");
        var ticked = new[] { "communal", "not-bedroom", "dress" };
        foreach (var item in FamilyChecklist.Items.Where(i => ticked.Contains(i.Key)))
        {
            await page.GetByLabel(item.Text).CheckAsync();
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my answers" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-checklist-saved]")).ToContainTextAsync("Last saved", new() { Timeout = Ms });

        browser.App.Clock.SetUtcNow(start.AddMinutes(-10).AddSeconds(-3));
        await page.GotoAsync($"/family/{token}/call");
        var status = page.Locator("#status");
        await Assertions.Expect(status).ToHaveTextAsync($"The room opens at 09:50 on {Day(start)}. Keep this page open: it goes in by itself then.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("The room opens")).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync(new() { Timeout = Ms });
        foreach (var item in FamilyChecklist.Items)
        {
            var box = page.GetByLabel(item.Text);
            await (ticked.Contains(item.Key) ? Assertions.Expect(box).ToBeCheckedAsync(new() { Timeout = Ms }) : Assertions.Expect(box).Not.ToBeCheckedAsync(new() { Timeout = Ms }));
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Leave the call" })).ToBeDisabledAsync(new() { Timeout = Ms });

        // They say who is there before it opens: told so, and when, not sent back to their link.
        await page.GetByLabel("Toby Twoparents is here").CheckAsync();
        await page.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync($"The room is not open yet: it opens at 09:50 on {Day(start)}.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Join the call from your link first")).ToHaveCountAsync(0, new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));

        // 09:50 in Paris comes: the page goes in by itself, with their answers, to the waiting room.
        browser.App.Clock.SetUtcNow(start.AddMinutes(-10).AddSeconds(1));
        await Assertions.Expect(status).ToContainTextAsync("You are in the waiting room", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync(new() { Timeout = Ms });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task InTheWaitingRoomTheChecklistShowsTheAnswersGivenAndAMissedItemCanStillBeTickedAndSent()
    {
        var start = AWednesdayAhead(TimeSpan.Zero);
        var (school, token) = await BookAsync(start);
        var sessionId = browser.App.Services.GetRequiredService<FamilyLinks>().Read(token)!.SessionId;
        var family = await browser.NewPageAsync(viewport: BrowserApp.Phone, media: true);
        // The parent ticked all but one item of the room checklist on their page the day before.
        await family.GotoAsync($"/family/{token}");
        var missed = FamilyChecklist.Items.Single(i => i.Key == "devices-off");
        foreach (var item in FamilyChecklist.Items.Where(i => i != missed))
        {
            await family.GetByLabel(item.Text).CheckAsync();
        }
        await family.GetByRole(AriaRole.Button, new() { Name = "Save my answers" }).ClickAsync();
        await Assertions.Expect(family.Locator("[data-checklist-saved]")).ToContainTextAsync("Last saved", new() { Timeout = Ms });

        browser.App.Clock.SetUtcNow(start.AddMinutes(-5));
        var teacher = await browser.NewPageAsync(media: true);
        await SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync($"/sessions/{sessionId}");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Open the call" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#status")).ToContainTextAsync("The room is open", new() { Timeout = Ms });

        var status = family.Locator("#status");
        await family.GotoAsync($"/family/{token}/call");
        await Assertions.Expect(status).ToContainTextAsync("tell us who is with you", new() { Timeout = Ms });
        await family.GetByLabel("Toby Twoparents is here").CheckAsync();
        await family.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        await family.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("The teacher will let you in shortly", new() { Timeout = Ms });
        var lobby = teacher.Locator("#families");
        await Assertions.Expect(lobby).ToContainTextAsync("checklist incomplete", new() { Timeout = Ms });

        // In the waiting room, on this page and on the page opened again (a phone reloads a tab), the boxes show the answers given.
        var given = new[] { "Toby Twoparents is here", "I will stay with my child for the whole call" }.Concat(FamilyChecklist.Items.Where(i => i != missed).Select(i => i.Text)).ToList();
        for (var pass = 0; pass < 2; pass++)
        {
            if (pass == 1)
            {
                await family.ReloadAsync();
                await Assertions.Expect(status).ToContainTextAsync("The teacher will let you in shortly", new() { Timeout = Ms });
            }
            Assert.Equal(given, await TickedAsync(family));
            await Assertions.Expect(family.GetByLabel(missed.Text)).Not.ToBeCheckedAsync(new() { Timeout = Ms });
        }

        // The missed item is ticked and sent from the waiting room: the teacher sees the checklist complete and admits the family.
        await family.GetByLabel(missed.Text).CheckAsync();
        await family.GetByRole(AriaRole.Button, new() { Name = "Send my answers" }).ClickAsync();
        await Assertions.Expect(lobby).ToContainTextAsync("checklist complete", new() { Timeout = Ms });
        await Assertions.Expect(family.Locator("#declare-result")).ToHaveTextAsync("Your answers are sent: the teacher sees them.", new() { Timeout = Ms });
        await Assertions.Expect(family.Locator("#error")).ToBeHiddenAsync(new() { Timeout = Ms });
        await Assertions.Expect(status).ToContainTextAsync("The teacher will let you in shortly", new() { Timeout = Ms });
        Assert.Equal(given.Count + 1, (await TickedAsync(family)).Length);
        await AssertEveryControlIsLabelledAsync(family);
        Assert.Empty(await AccessibilityViolationsAsync(family));
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("You are in the call", new() { Timeout = Ms });
        Assert.Equal(given.Count + 1, (await TickedAsync(family)).Length);
        await family.Context.CloseAsync();
        await teacher.Context.CloseAsync();
    }

    /// <summary>The words of each box ticked on the call page's declaration, in the page's order.</summary>
    private static Task<string[]> TickedAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => [...document.querySelectorAll('#declare-form input[type=checkbox]:checked')].map(i => document.querySelector(`label[for="${i.id}"]`).textContent.trim())
        """).WaitAsync(BrowserApp.Timeout);

    /// <summary>
    /// 10:00 (at <paramref name="offset"/> from UTC) on the first Wednesday at least three days
    /// from the app's clock: each test moves the clock on to its own call, and never back.
    /// </summary>
    private DateTimeOffset AWednesdayAhead(TimeSpan offset)
    {
        var day = browser.App.Clock.GetUtcNow().UtcDateTime.Date.AddDays(3);
        while (day.DayOfWeek != DayOfWeek.Wednesday)
        {
            day = day.AddDays(1);
        }
        return new DateTimeOffset(day.Year, day.Month, day.Day, 10, 0, 0, offset);
    }

    /// <summary>The day as the family's pages give it: <c>Wednesday 2 December 2026</c>.</summary>
    private static string Day(DateTimeOffset start) => start.ToString("dddd d MMMM yyyy", CultureInfo.GetCultureInfo("en-GB"));

    /// <summary>A new school's teacher books Toby with his mother; returns her link's token.</summary>
    private async Task<(TestSchool School, string Token)> BookAsync(DateTimeOffset start, Action<Chaperone.Schools.School>? configure = null)
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app, configure);
        using var teacher = await school.TeacherAsync(app);
        var sessionId = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        return (school, app.Services.GetRequiredService<FamilyLinks>().TokenFor(Guid.Parse(sessionId), school.Mother));
    }
}
