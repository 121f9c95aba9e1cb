using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Clause 3 in the console: the teacher of a session at the end of the school day is warned, by
/// the server's clock, as the end of school hours nears. The test moves the clock, so the class
/// has its own app.
/// </summary>
public sealed class ConsoleHoursInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task TheTeacherIsWarnedAsTheEndOfSchoolHoursNears()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        // 14:30–15:00 London (UTC in winter), the last half hour of the school day.
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 14).AddMinutes(30);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        app.Clock.SetUtcNow(start.AddMinutes(22)); // 14:52

        var page = await CallInTheBrowserTests.CallPageAsync(browser);
        await SignInAsync(page, school.TeacherEmail, TestSchool.Password);
        await page.GotoAsync($"/sessions/{id}/console");

        await CallInTheBrowserTests.ExpectStatusAsync(page, "The room is open");
        await Assertions.Expect(page.Locator("[data-hours-end]")).ToContainTextAsync("School hours end at 15:00", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-hours-soon]")).ToHaveTextAsync(
            "School hours end in 8 minutes: bring the call to a close, the family leaving first (clause 3).", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
    }
}
