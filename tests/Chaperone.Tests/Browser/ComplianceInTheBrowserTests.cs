using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The compliance dashboard and clause 11 after the call, in a real browser: a teacher finds a
/// session whose time passed without a call, marks that the pupil did not attend, and it leaves the
/// list; a senior leader sees the breach that remains, and each clause's tally.
/// </summary>
public sealed class ComplianceInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task ATeacherMarksAMissedSessionAsNotAttendedAndALeaderSeesTheBreachThatRemains()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var breachedStart = CallClient.NextSessionStart(app);
        var breached = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(breachedStart, school.TwoParentPupil, school.Mother)));
        await CallClient.RunCallAsync(app, school, breached, breachedStart, "completed", "No expectations given.", giveExpectations: false);
        var missedStart = CallClient.NextSessionStart(app);
        var missed = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(missedStart, school.TwoParentPupil, school.Mother));
        app.Clock.SetUtcNow(missedStart.AddHours(1));

        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        // Where the teacher lands, the session over without an outcome is listed, linking to its outcome form (clause 11).
        var awaited = teacher.Locator("[data-outcomes-awaited]");
        await Assertions.Expect(awaited.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Outcomes to record", new() { Timeout = Ms });
        await Assertions.Expect(awaited.Locator("li")).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(awaited.Locator($"li[data-session='{missed}'] a")).ToHaveAttributeAsync("href", $"/sessions/{missed}#outcome-panel", new() { Timeout = Ms });
        // And a notice says there is something to look at, and leads there.
        var notice = teacher.Locator("[data-compliance-notice]");
        await Assertions.Expect(notice).ToContainTextAsync("include 1 with a breach of the policy and 1 over with a clause still pending", new() { Timeout = Ms });
        await notice.GetByRole(AriaRole.Link, new() { Name = "See them on the compliance page" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/compliance\\?from=\\d{4}-\\d{2}-\\d{2}&to="));
        var rows = teacher.Locator("[data-compliance-sessions] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = Ms });
        var missedRow = teacher.Locator($"tr[data-session='{missed}']");
        await Assertions.Expect(missedRow).ToContainTextAsync("The call did not take place", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(teacher);

        await missedRow.GetByRole(AriaRole.Link).ClickAsync();
        await teacher.WaitForPageAsync(new Regex($"/sessions/{missed}$"));
        var panel = teacher.Locator("#outcome-panel");
        await Assertions.Expect(panel).ToContainTextAsync("its call has not taken place", new() { Timeout = Ms });
        // Nothing chosen: the form says what to fix.
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("[data-error-summary]")).ToContainTextAsync("Choose one of", new() { Timeout = Ms });
        // A call never held can only be marked as not attended.
        await Assertions.Expect(teacher.GetByRole(AriaRole.Radio)).ToHaveCountAsync(1, new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Radio, new() { Name = "Did not attend" }).CheckAsync();
        await teacher.GetByLabel("Session notes").FillAsync("Phoned home: Toby was unwell.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex($"/sessions/{missed}$"));
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The outcome is recorded: Did not attend.", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-current-outcome]")).ToContainTextAsync("Phoned home: Toby was unwell.", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause='1'] .badge")).ToHaveTextAsync("Not applicable", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause='11'] .badge")).ToHaveTextAsync("Met", new() { Timeout = Ms });
        await Assertions.Expect(teacher.GetByRole(AriaRole.Radio)).ToHaveCountAsync(1, new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(teacher);
        await ScreenshotAsync(teacher, "session-outcome.png");

        await Nav(teacher).GetByRole(AriaRole.Link, new() { Name = "Compliance" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/compliance$"));
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(rows.First).ToContainTextAsync("Breached: 7 (", new() { Timeout = Ms });
        await Nav(teacher).GetByRole(AriaRole.Link, new() { Name = "My sessions" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/sessions$"));
        await Assertions.Expect(notice).ToContainTextAsync("include 1 with a breach of the policy and 0 over with a clause still pending", new() { Timeout = Ms });
        await Assertions.Expect(awaited).ToHaveCountAsync(0, new() { Timeout = Ms });

        var leader = await browser.NewPageAsync();
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.SltEmail);
        await SignInWithTwoFactorsAsync(leader, app, school.SltEmail, TestSchool.Password);
        await leader.GotoAsync("/compliance?show=breached");
        await leader.WaitForPageAsync(new Regex("/compliance\\?show=breached$"));
        var leaderRows = leader.Locator("[data-compliance-sessions] tbody tr");
        await Assertions.Expect(leaderRows).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(leaderRows.First).ToContainTextAsync($"teacher {school.TeacherEmail.Split('@')[0].Split('.')[1]}", new() { Timeout = Ms });
        await Assertions.Expect(leader.Locator("[data-clause-tally] tr[data-clause='7'] td[data-breached]")).ToHaveTextAsync("1", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(leader));
        await ScreenshotAsync(leader, "compliance.png");
        var download = await leader.RunAndWaitForDownloadAsync(() => leader.GetByRole(AriaRole.Link, new() { Name = "Download these sessions (CSV)" }).ClickAsync(), new() { Timeout = Ms });
        Assert.Matches("^compliance-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv$", download.SuggestedFilename);
        var rowsInCsv = Records.RecordApiTests.ReadCsv(await File.ReadAllBytesAsync(await download.PathAsync()), Chaperone.Compliance.ComplianceCsv.Headers);
        Assert.Equal(breached.ToString(), Assert.Single(rowsInCsv)["Session id"]);

        // Dates the wrong way round: the form says which field to fix.
        await leader.GetByLabel("From").FillAsync("2027-01-10");
        await leader.GetByLabel("To").FillAsync("2027-01-01");
        await leader.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(leader.Locator("[data-error-summary]")).ToContainTextAsync("The first day must be on or before the last day", new() { Timeout = Ms });
    }

    [Fact]
    public async Task ATeacherWhoseBrowserClosedDuringTheCallRecordsItsOutcomeFromTheListAndTheRecordShowsItWasNotClosed()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start, school.TwoParentPupil, school.Mother)));
        await CallClient.RunCallAsync(app, school, id, start, "", "", leftOpen: true);
        app.Clock.SetUtcNow(start.AddMinutes(30) + Chaperone.Families.FamilyLinks.GraceAfterEnd);

        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.Locator($"[data-outcomes-awaited] li[data-session='{id}'] a").ClickAsync();
        await teacher.WaitForPageAsync(new Regex($"/sessions/{id}#outcome-panel$"));
        var panel = teacher.Locator("#outcome-panel");
        await Assertions.Expect(panel.Locator("[data-left-open]")).ToContainTextAsync("This call was left open", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(teacher);
        await teacher.GetByRole(AriaRole.Radio, new() { Name = "Completed" }).CheckAsync();
        await teacher.GetByLabel("Session notes").FillAsync("My browser closed during the call; it had finished.");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await Assertions.Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The outcome is recorded: Completed.", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause='6'] .badge")).ToHaveTextAsync("Breached", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause='6']")).ToContainTextAsync("The call was left open", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause='11'] .badge")).ToHaveTextAsync("Met", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(teacher));
    }

    [Fact]
    public Task ASeniorLeaderMarksTheOutcomeOfASessionWhoseTeacherHasLeft() =>
        LeaderMarksAsync(async (school, start) =>
        {
            browser.App.Clock.SetUtcNow(start.AddHours(1));
            Assert.Equal(System.Net.HttpStatusCode.OK, (await (await school.AdminAsync(browser.App)).PutAsJsonAsync($"/api/v1/staff/{school.TeacherId}/access", new { active = false })).StatusCode);
        },
        "The teacher has left: a senior leader records the outcome.",
        "teacher-left", "has left the school, so as a senior leader you record its outcome",
        "a senior leader, as the teacher had left");

    [Fact]
    public Task ASeniorLeaderMarksAnOutcomeAWeekOverdueWhileTheTeacherIsAway() =>
        // The session is long over; its teacher, on leave, has not recorded it.
        LeaderMarksAsync((_, start) =>
        {
            browser.App.Clock.SetUtcNow(start + Chaperone.Calls.LeaderMarking.OverdueAfter + TimeSpan.FromHours(3));
            return Task.CompletedTask;
        },
        "A week has passed: a senior leader may record the outcome if the teacher cannot.",
        "overdue", "has not recorded its outcome a week after it",
        "a senior leader, as it was a week overdue");

    /// <summary>
    /// A session its teacher did not mark, which <paramref name="because"/> makes a senior leader's
    /// to mark: the dashboard says so and leads to its page, which says why, and the leader marks it.
    /// </summary>
    private async Task LeaderMarksAsync(Func<TestSchool, DateTimeOffset, Task> because, string onDashboard, string reason, string onPage, string onOutcome)
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var missed = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start, school.TwoParentPupil, school.Mother));
        await because(school, start);

        var leader = await browser.NewPageAsync();
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.SltEmail);
        await SignInWithTwoFactorsAsync(leader, app, school.SltEmail, TestSchool.Password);
        // The school's sessions awaiting an outcome are listed where the leader lands, a week overdue ones marked.
        await leader.GotoAsync("/sessions");
        var awaited = leader.Locator($"[data-outcomes-awaited] li[data-session='{missed}']");
        await Assertions.Expect(awaited).ToContainTextAsync("with teacher ", new() { Timeout = Ms });
        if (reason == "overdue")
        {
            await Assertions.Expect(awaited).ToContainTextAsync("(a week overdue: a senior leader may record it)", new() { Timeout = Ms });
        }
        else
        {
            await Assertions.Expect(awaited).Not.ToContainTextAsync("overdue", new() { Timeout = Ms });
        }
        Assert.Empty(await AccessibilityViolationsAsync(leader));
        await ScreenshotAsync(leader, $"sessions-awaiting-outcome-{reason}.png");
        await leader.GotoAsync("/compliance?show=unsettled");
        var row = leader.Locator($"tr[data-session='{missed}']");
        await Assertions.Expect(row).ToContainTextAsync(onDashboard, new() { Timeout = Ms });
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await leader.WaitForPageAsync(new Regex($"/sessions/{missed}$"));
        var panel = leader.Locator("#outcome-panel");
        await Assertions.Expect(panel.Locator($"[data-for-leader={reason}]")).ToContainTextAsync(onPage, new() { Timeout = Ms });
        await leader.GetByRole(AriaRole.Radio, new() { Name = "Did not attend" }).CheckAsync();
        await leader.GetByLabel("Session notes").FillAsync("Recorded by a senior leader: the room shows no call.");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await leader.WaitForPageAsync(new Regex($"/sessions/{missed}$"));
        await Assertions.Expect(leader.GetByRole(AriaRole.Status)).ToContainTextAsync("The outcome is recorded: Did not attend.", new() { Timeout = Ms });
        await Assertions.Expect(leader.Locator("[data-current-outcome]")).ToContainTextAsync(onOutcome, new() { Timeout = Ms });
        await Assertions.Expect(leader.Locator("[data-clause='11'] .badge")).ToHaveTextAsync("Met", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(leader));
    }

    [Fact]
    public async Task TheDashboardListsAPageAtATimeAndSaysWhatIsWrongWithABadPage()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var booked = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        var day = start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var leader = await browser.NewPageAsync();
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.SltEmail);
        await SignInWithTwoFactorsAsync(leader, app, school.SltEmail, TestSchool.Password);
        await leader.GotoAsync($"/compliance?show=all&from={day}&to={day}&page=1");
        await Assertions.Expect(leader.Locator($"tr[data-session='{booked}']")).ToBeVisibleAsync(new() { Timeout = Ms });
        await leader.GotoAsync($"/compliance?show=all&from={day}&to={day}&page=2");
        await Assertions.Expect(leader.Locator("[data-no-sessions]")).ToHaveTextAsync("None on this page.", new() { Timeout = Ms });
        await leader.GotoAsync("/compliance?page=zero");
        await Assertions.Expect(leader.Locator("[data-error-summary]")).ToContainTextAsync("'page' is a whole number from 1", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(leader));
    }
}
