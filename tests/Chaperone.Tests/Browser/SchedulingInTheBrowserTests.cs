using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// A teacher schedules sessions through the pages in a real browser, against the demo school.
/// "Now" is Monday 30 November 2026, 08:00 UTC, so Wednesday 2 December at 10:00 is 50 hours on.
/// </summary>
public sealed partial class SchedulingInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{

    [Fact]
    public async Task TeacherChecksAndBooksASessionAndSeesItListed()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher1@demo.school");

        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Schedule a session" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Schedule a session", Level = 1 })).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#teacher")).ToHaveTextAsync(new Regex("Teacher who will host"), new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Emma Hughes (you)")).ToBeVisibleAsync(new() { Timeout = Ms });

        await page.GetByLabel("Amelia Brown", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Amelia Brown" }).GetByLabel("Sarah Brown").CheckAsync();
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-02");
        await page.GetByLabel("Start time").FillAsync("10:00");
        await page.GetByLabel("Length in minutes").FillAsync("30");

        // The script checks as the form changes, without a reload: clause 8 is met (50 hours' notice, Sarah has an email).
        var clause8 = page.Locator("[data-clause-table] tr[data-clause='8']");
        await Assertions.Expect(clause8).ToContainTextAsync("Met", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });

        // The server-side check says the same, for every clause.
        await page.GetByRole(AriaRole.Button, new() { Name = "Check against the policy" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions/new"));
        await Assertions.Expect(page.Locator("[data-clause-table] tbody tr")).ToHaveCountAsync(12, new() { Timeout = Ms });
        await Assertions.Expect(clause8).ToContainTextAsync("Met", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='3']")).ToContainTextAsync("Met", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='1']")).ToContainTextAsync("Sarah Brown can give consent", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Amelia Brown", new() { Exact = true })).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Date", new() { Exact = true })).ToHaveValueAsync("2026-12-02", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        await ScreenshotAsync(page, "schedule.png");

        await page.GetByRole(AriaRole.Button, new() { Name = "Book session" }).ClickAsync();
        await page.WaitForPageAsync(SessionUrl());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Amelia Brown", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Wednesday 2 December 2026, 10:00–10:30").First).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='8']")).ToContainTextAsync("Met", new() { Timeout = Ms });
        await ScreenshotAsync(page, "session.png");
        var sessionUrl = page.Url;

        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "My sessions" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions$"));
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Wednesday 2 December 2026, 10:00–10:30" });
        await Assertions.Expect(link).ToBeVisibleAsync(new() { Timeout = Ms });
        Assert.Equal(sessionUrl, new Uri(browser.BaseAddress, await link.GetAttributeAsync("href", new() { Timeout = Ms })).ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "10:00–10:30" })).ToContainTextAsync("Amelia Brown", new() { Timeout = Ms });

        // A weekly session: from the session's page, the same people a week later, checked, then booked.
        await page.GotoAsync(sessionUrl);
        await page.GetByRole(AriaRole.Link, new() { Name = "Book another session like this" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions/new\\?like="));
        await Assertions.Expect(page.Locator("[data-like]")).ToContainTextAsync("Filled in as the support session with Amelia Brown of Wednesday 2 December 2026, 10:00–10:30, a week later.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Amelia Brown", new() { Exact = true })).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Amelia Brown" }).GetByLabel("Sarah Brown")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Date", new() { Exact = true })).ToHaveValueAsync("2026-12-09", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Start time")).ToHaveValueAsync("10:00", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='3']")).ToContainTextAsync("Met", new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "Book session" }).ClickAsync();
        await page.WaitForPageAsync(SessionUrl());
        await Assertions.Expect(page.GetByText("Wednesday 9 December 2026, 10:00–10:30").First).ToBeVisibleAsync(new() { Timeout = Ms });
        Assert.NotEqual(sessionUrl, page.Url);
    }

    [Fact]
    public async Task TheCompliantTimesFollowThePeopleAndLengthChosenAsTheLiveCheckDoes()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher1@demo.school");
        await page.GotoAsync("/sessions/new");
        var times = page.GetByRole(AriaRole.Complementary, new() { Name = "Compliant times" });
        await Assertions.Expect(times).ToContainTextAsync("needs at least one pupil", new() { Timeout = Ms });

        // Chosen without reloading the page: the live check and the compliant times agree.
        await page.GetByLabel("Amelia Brown", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Amelia Brown" }).GetByLabel("Sarah Brown").CheckAsync();
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-10");
        await page.GetByLabel("Start time").FillAsync("10:00");
        await Assertions.Expect(page.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });
        await Assertions.Expect(times).Not.ToContainTextAsync("the policy would still refuse", new() { Timeout = Ms });
        await Assertions.Expect(times).ToContainTextAsync("30-minute sessions from Thu 10 Dec", new() { Timeout = Ms });
        var tenOClock = times.Locator("button.slot[data-date='2026-12-10'][data-time='10:00']");
        await Assertions.Expect(tenOClock).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(tenOClock).ToHaveClassAsync(new Regex("slot-chosen"), new() { Timeout = Ms });

        // The length as it is typed; a time chosen from the panel fills in the form and is checked.
        await page.GetByLabel("Length in minutes").FillAsync("60");
        await Assertions.Expect(times).ToContainTextAsync("60-minute sessions", new() { Timeout = Ms });
        await times.Locator("button.slot[data-date='2026-12-11'][data-time='13:00']").ClickAsync();
        await Assertions.Expect(page.GetByLabel("Date", new() { Exact = true })).ToHaveValueAsync("2026-12-11", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Start time")).ToHaveValueAsync("13:00", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });

        // A date far beyond any fortnight the panel can show: the times from today instead.
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("9999-12-31");
        await Assertions.Expect(times).ToContainTextAsync("60-minute sessions from Mon 30 Nov", new() { Timeout = Ms });
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-11");
        await Assertions.Expect(page.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });

        // Without a pupil, both say the policy refuses it, whatever the time.
        await page.GetByLabel("Amelia Brown", new() { Exact = true }).UncheckAsync();
        await Assertions.Expect(page.Locator("[data-check-status]")).ToContainTextAsync("The policy would refuse this session", new() { Timeout = Ms });
        await Assertions.Expect(times).ToContainTextAsync("the policy would still refuse", new() { Timeout = Ms });
        await Assertions.Expect(times.Locator("button.slot")).ToHaveCountAsync(0, new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
    }

    [Fact]
    public async Task RefusedBookingNamesTheClausesAndKeepsTheForm()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher2@demo.school");
        await page.GotoAsync("/sessions/new");

        // Freya's only adult is a foster carer without parental responsibility (clause 1), and
        // Tuesday 1 December at 10:00 is only 26 hours away (clause 8).
        await page.GetByLabel("Freya Evans", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Freya Evans" }).GetByLabel("Tom Evans").CheckAsync();
        await page.GetByLabel("Pastoral check-in").CheckAsync();
        await page.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-01");
        await page.GetByLabel("Start time").FillAsync("10:00");
        await page.GetByLabel("Length in minutes").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book session" }).ClickAsync();

        var summary = page.Locator("[data-error-summary]");
        await Assertions.Expect(summary).ToContainTextAsync("The video call policy does not allow this session", new() { Timeout = Ms });
        await Assertions.Expect(summary).ToContainTextAsync("Clause 1 (Parental consent and supervision)", new() { Timeout = Ms });
        await Assertions.Expect(summary).ToContainTextAsync("Clause 8 (Scheduled 48 hours ahead; parents emailed)", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='1']")).ToContainTextAsync("Breached", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='8']")).ToContainTextAsync("Breached", new() { Timeout = Ms });

        // The errors link to their fields, which point back at them.
        await Assertions.Expect(summary.GetByRole(AriaRole.Link).Filter(new() { HasText = "Clause 8" })).ToHaveAttributeAsync("href", "#date", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#date")).ToHaveAttributeAsync("aria-describedby", new Regex("date-error"), new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#date-error")).ToContainTextAsync("48 hours", new() { Timeout = Ms });

        // Nothing typed is lost.
        await Assertions.Expect(page.GetByLabel("Freya Evans", new() { Exact = true })).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Freya Evans" }).GetByLabel("Tom Evans")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Amelia Brown", new() { Exact = true })).Not.ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Pastoral check-in")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Date", new() { Exact = true })).ToHaveValueAsync("2026-12-01", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Start time")).ToHaveValueAsync("10:00", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Length in minutes")).ToHaveValueAsync("20", new() { Timeout = Ms });
        await ScreenshotAsync(page, "refused.png");

        var booked = await browser.App.WithDbAsync(db => Task.FromResult(db.Sessions.Count(s => s.Pupils.Any(p => db.Pupils.Any(x => x.Id == p.PupilId && x.Name == "Freya Evans")))));
        Assert.Equal(0, booked);
    }

    [Fact]
    public async Task AfterTooManyFailedSignInsAnAccountAndAnAddressWithoutOneAreAnsweredAlike()
    {
        var school = await TestSchool.CreateAsync(browser.App);
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/signin");
        async Task<string> AttemptAsync(string email)
        {
            await page.GetByLabel("Email address").FillAsync(email);
            await page.GetByLabel("Password").FillAsync("not the password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            var summary = page.Locator("[data-error-summary]");
            await Assertions.Expect(summary).ToBeVisibleAsync(new() { Timeout = Ms });
            return await summary.InnerTextAsync(new() { Timeout = Ms });
        }
        var nobody = $"nobody.{Guid.NewGuid():N}@school.test";

        var account = new List<string>();
        var noAccount = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            account.Add(await AttemptAsync(school.TeacherEmail));
            noAccount.Add(await AttemptAsync(nobody));
        }

        Assert.Equal(account, noAccount);
        Assert.Contains("The email address or password is not right.", account[0], StringComparison.Ordinal);
        Assert.Contains("Too many failed attempts", account[^1], StringComparison.Ordinal);
        await AssertEveryControlIsLabelledAsync(page);
    }

    [Fact]
    public async Task WrongPasswordIsRefusedAndASignedOutVisitorIsSentToSignIn()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/sessions/new");
        await page.WaitForPageAsync(new Regex("/signin\\?ReturnUrl=%2Fsessions%2Fnew", RegexOptions.IgnoreCase));

        await page.GetByLabel("Email address").FillAsync("teacher1@demo.school");
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-summary]")).ToContainTextAsync("The email address or password is not right.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Email address")).ToHaveValueAsync("teacher1@demo.school", new() { Timeout = Ms });

        await page.GetByLabel("Password").FillAsync(ChaperoneApp.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions/new$"));

        var response = await page.GotoAsync("/sessions/" + Guid.NewGuid());
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync(new() { Timeout = Ms });
    }

    [Fact]
    public async Task AnAdminAddsAnInsetDayOverABookedSessionSeesItAndCancelsItWithTheFamilyEmailed()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var booked = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        var day = start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.AdminEmail, TestSchool.Password);
        await page.GotoAsync("/admin/settings");
        await page.GetByLabel("First day").FillAsync(day);
        await page.GetByLabel("Reason").FillAsync("INSET day");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add closure" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 session is still booked on its days", new() { Timeout = Ms });
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "INSET day" });
        await Assertions.Expect(row.GetByRole(AriaRole.Link)).ToContainTextAsync("Toby Twoparents", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);

        await row.GetByRole(AriaRole.Button, new() { Name = "Cancel it and email the families" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 session is cancelled", new() { Timeout = Ms });
        await Assertions.Expect(row).ToContainTextAsync("None", new() { Timeout = Ms });
        var session = await app.WithDbAsync(db => Task.FromResult(db.Sessions.Single(s => s.Id == Guid.Parse(booked))));
        Assert.Equal(Chaperone.Scheduling.SessionStatus.Cancelled, session.Status);
        Assert.Equal("The school is closed that day (INSET day).", session.CancellationReason);
        Assert.Equal(1, await app.WithDbAsync(db => Task.FromResult(db.OutboxMessages.Count(m => m.SessionId == session.Id && m.Kind == Chaperone.Notifications.MessageKind.Cancelled && m.RecipientRole == "guardian"))));
    }

    [Fact]
    public async Task AnAdminShorteningTheSchoolDaySeesTheSessionsItLeavesOutside()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var late = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(CallClient.NextSessionStart(app).AddHours(4).AddMinutes(15)));

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.AdminEmail, TestSchool.Password);
        await page.GotoAsync("/admin/settings");
        await page.Locator("#dayEnd").FillAsync("14:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 session already booked falls outside the school's hours or days now", new() { Timeout = Ms });
        var outside = page.Locator("[data-outside-school-time]");
        await Assertions.Expect(outside).ToContainTextAsync("must lie within school hours (09:00–14:00", new() { Timeout = Ms });
        await outside.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForPageAsync(new Regex($"/sessions/{late}$"));
    }

    [Fact]
    public async Task AdminSettingsKeepBadInputClosuresComeAndGoAndTheSchoolWordsItsExpectations()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "admin@demo.school");
        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Admin settings" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/admin/settings$"));

        await page.GetByLabel("Time zone").FillAsync("Europe/Nowhere");
        await page.GetByLabel("Minimum notice in hours (clause 8)").FillAsync("72");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-summary]")).ToContainTextAsync("Choose the school's time zone", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Nowhere", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Minimum notice in hours (clause 8)")).ToHaveValueAsync("72", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);

        await page.GetByLabel("First day").FillAsync("2027-07-23");
        await page.GetByLabel("Reason").FillAsync("Summer holidays");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add closure" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Summer holidays", new() { Timeout = Ms });
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Summer holidays" });
        await Assertions.Expect(row).ToContainTextAsync("Friday 23 July 2027", new() { Timeout = Ms });

        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Policy" }).ClickAsync();
        await Assertions.Expect(page.Locator(".clause-list > li")).ToHaveCountAsync(12, new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Friday 23 July 2027: Summer holidays")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("At least 48 hours", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = Ms });

        await page.GotoAsync("/admin/settings");
        await row.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("is removed", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Summer holidays" })).ToHaveCountAsync(0, new() { Timeout = Ms });

        // The school words its own reminder of the expectations (clause 7); the policy page shows it; emptied, the policy's words are back.
        var brief = page.GetByLabel("The brief reminder, at each later session");
        await brief.FillAsync("Remember\u0007");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save expectations" }).ClickAsync();
        await Assertions.Expect(page.Locator("#expectationsBrief-error")).ToContainTextAsync("a character that cannot be kept", new() { Timeout = Ms });
        await brief.FillAsync("Remember: your grown-up stays with you, devices off, you leave first.");
        await page.GetByLabel("For families, in the booking emails: one expectation per line").FillAsync("Log in five minutes early.\nKeep a glass of water to hand.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save expectations" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The expectations are saved.", new() { Timeout = Ms });
        await page.GotoAsync("/policy");
        await Assertions.Expect(page.GetByText("Remember: your grown-up stays with you, devices off, you leave first.")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-expectations-families] li")).ToHaveTextAsync(["Log in five minutes early.", "Keep a glass of water to hand."], new() { Timeout = Ms });
        await page.GotoAsync("/admin/settings");
        await page.GetByLabel("The brief reminder, at each later session").FillAsync("");
        await page.GetByLabel("For families, in the booking emails: one expectation per line").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save expectations" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("The brief reminder, at each later session")).ToHaveValueAsync(Chaperone.Policy.PolicySettings.DefaultExpectationsBrief, new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("For families, in the booking emails: one expectation per line")).ToHaveValueAsync(Chaperone.Policy.PolicySettings.DefaultExpectationsForFamilies, new() { Timeout = Ms });
    }

    [Fact]
    public async Task WithoutScriptACompliantTimeFillsInTheFormAndIsChecked()
    {
        var page = await browser.NewPageAsync(javaScript: false);
        await SignInAsync(page, "teacher2@demo.school");
        await page.GotoAsync("/sessions/new");
        await page.GetByLabel("Leo Wilson", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Leo Wilson" }).GetByLabel("Priya Wilson").CheckAsync();
        // Without script the compliant times are worked out for the people chosen when the form is sent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Check against the policy" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Thursday 3 December 2026 at 11:00" }).ClickAsync(new() { Timeout = Ms });

        await Assertions.Expect(page.GetByLabel("Date", new() { Exact = true })).ToHaveValueAsync("2026-12-03", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Start time")).ToHaveValueAsync("11:00", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("Leo Wilson", new() { Exact = true })).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("[data-clause-table] tr[data-clause='3']")).ToContainTextAsync("Met", new() { Timeout = Ms });
    }

    [Fact]
    public async Task TeachersCannotOpenAdminSettings()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, "teacher2@demo.school");
        await Assertions.Expect(Nav(page).GetByRole(AriaRole.Link, new() { Name = "Admin settings" })).ToHaveCountAsync(0, new() { Timeout = Ms });
        await page.GotoAsync("/admin/settings");
        await page.WaitForPageAsync(new Regex("/denied"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("You cannot open this page", new() { Timeout = Ms });
    }

    [Fact]
    public async Task ATeacherFollowingALinkToAColleaguesSessionIsToldItIsNotTheirsToOpen()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var id = await TestSchool.BookOkAsync(await school.OtherTeacherAsync(app), school.Booking(CallClient.NextSessionStart(app), teacher: school.OtherTeacherId));
        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.TeacherEmail, TestSchool.Password);

        await page.GotoAsync($"/sessions/{id}");

        await page.WaitForPageAsync(new Regex("/denied"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("You cannot open this page", new() { Timeout = Ms });
    }

    [GeneratedRegex("/sessions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex SessionUrl();
}
