using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The family's call page (<c>/family/{token}/call</c>) on a parent's phone, before the teacher
/// opens the room: the family's own layout, and what it says and does when opened early.
/// </summary>
public sealed class FamilyCallPageInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task TheCallPageIsTheFamilysOwnAndFitsASmallPhone()
    {
        var (school, token) = await BookAsync(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
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

    /// <summary>A new school's teacher books Toby with his mother, on Monday morning; returns her link's token.</summary>
    private async Task<(TestSchool School, string Token)> BookAsync(DateTimeOffset start)
    {
        var app = browser.App;
        app.Clock.SetUtcNow(ChaperoneApp.StartOfTime);
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var sessionId = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        return (school, app.Services.GetRequiredService<FamilyLinks>().TokenFor(Guid.Parse(sessionId), school.Mother));
    }
}
