using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The demo school's admin keeps people and rosters through the People page in a real browser,
/// and what they add is what teachers then book with. "Now" is Monday 30 November 2026, 08:00 UTC.
/// </summary>
public sealed class PeopleInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task AdminAddsAParentAfterFixingTheEmailAndAPupilWhomATeacherCanThenSchedule()
    {
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await Nav(admin).GetByRole(AriaRole.Link, new() { Name = "People" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/people$"));
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "People", Level = 1 })).ToBeVisibleAsync(new() { Timeout = Ms });

        // An email address that could never be delivered is refused when it is entered (clause 8).
        var parentForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a parent or carer" });
        await parentForm.GetByLabel("Full name").FillAsync("Olu Adeyemi");
        await parentForm.GetByLabel("Relationship to the pupil").FillAsync("Father");
        await parentForm.GetByLabel("Yes").CheckAsync();
        await parentForm.GetByLabel("Email address").FillAsync("olu.adeyemi@example");
        await parentForm.GetByLabel("Phone number (optional)").FillAsync("01726 890000");
        await parentForm.GetByRole(AriaRole.Button, new() { Name = "Add parent or carer" }).ClickAsync();

        var summary = admin.Locator("[data-error-summary]");
        await Assertions.Expect(summary).ToContainTextAsync("Give a valid email address, or leave it empty.", new() { Timeout = Ms });
        await Assertions.Expect(summary.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", "#guardian-email", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("#guardian-email")).ToHaveAttributeAsync("aria-describedby", new Regex("guardian-email-error"), new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("#guardian-email-error")).ToContainTextAsync("Give a valid email address", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("#guardian-email")).ToHaveAttributeAsync("aria-invalid", "true", new() { Timeout = Ms });

        // Nothing typed is lost, and nothing is saved.
        await Assertions.Expect(parentForm.GetByLabel("Full name")).ToHaveValueAsync("Olu Adeyemi", new() { Timeout = Ms });
        await Assertions.Expect(parentForm.GetByLabel("Relationship to the pupil")).ToHaveValueAsync("Father", new() { Timeout = Ms });
        await Assertions.Expect(parentForm.GetByLabel("Yes")).ToBeCheckedAsync(new() { Timeout = Ms });
        await Assertions.Expect(parentForm.GetByLabel("Email address")).ToHaveValueAsync("olu.adeyemi@example", new() { Timeout = Ms });
        await Assertions.Expect(parentForm.GetByLabel("Phone number (optional)")).ToHaveValueAsync("01726 890000", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "Olu Adeyemi" })).ToHaveCountAsync(0, new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await ScreenshotAsync(admin, "people-refused.png");

        await parentForm.GetByLabel("Email address").FillAsync("olu.adeyemi@example.org");
        await parentForm.GetByRole(AriaRole.Button, new() { Name = "Add parent or carer" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Olu Adeyemi is added to the parents and carers.", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToHaveCountAsync(0, new() { Timeout = Ms });
        var parentRow = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "olu.adeyemi@example.org" });
        await Assertions.Expect(parentRow).ToContainTextAsync("Father", new() { Timeout = Ms });

        var pupilForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a pupil" });
        await pupilForm.GetByLabel("Full name").FillAsync("Tayo Adeyemi");
        await pupilForm.GetByLabel("Date of birth (optional)").FillAsync("2017-04-02");
        await pupilForm.GetByRole(AriaRole.Group, new() { Name = "Parents and carers" }).GetByLabel("Olu Adeyemi").CheckAsync();
        await pupilForm.GetByRole(AriaRole.Button, new() { Name = "Add pupil" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Tayo Adeyemi is added to the pupils.", new() { Timeout = Ms });
        var pupilRow = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "Tayo Adeyemi" });
        await Assertions.Expect(pupilRow).ToContainTextAsync("Sunday 2 April 2017", new() { Timeout = Ms });
        await Assertions.Expect(pupilRow).ToContainTextAsync("Olu Adeyemi (Father)", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await ScreenshotAsync(admin, "people.png");

        // Editing starts from what is recorded, and the change shows wherever Olu is named.
        await parentRow.GetByRole(AriaRole.Link, new() { Name = "Edit Olu Adeyemi" }).ClickAsync();
        var editForm = admin.GetByRole(AriaRole.Form, new() { Name = "Change the details of Olu Adeyemi" });
        await Assertions.Expect(editForm.GetByLabel("Email address")).ToHaveValueAsync("olu.adeyemi@example.org", new() { Timeout = Ms });
        await Assertions.Expect(editForm.GetByLabel("Yes")).ToBeCheckedAsync(new() { Timeout = Ms });
        await editForm.GetByLabel("Relationship to the pupil").FillAsync("Stepfather");
        await editForm.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Olu Adeyemi’s details are saved.", new() { Timeout = Ms });
        await Assertions.Expect(pupilRow).ToContainTextAsync("Olu Adeyemi (Stepfather)", new() { Timeout = Ms });

        // A teacher, in a browser of their own, can now book Tayo with Olu.
        var teacher = await browser.NewPageAsync();
        await SignInAsync(teacher, "teacher1@demo.school");
        await Nav(teacher).GetByRole(AriaRole.Link, new() { Name = "Schedule a session" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/sessions/new$"));
        await teacher.GetByLabel("Tayo Adeyemi", new() { Exact = true }).CheckAsync();
        var adults = teacher.GetByRole(AriaRole.Group, new() { Name = "Parents and carers of Tayo Adeyemi" });
        await Assertions.Expect(adults).ToContainTextAsync("Stepfather", new() { Timeout = Ms });
        await Assertions.Expect(adults).ToContainTextAsync("has email", new() { Timeout = Ms });
        await adults.GetByLabel("Olu Adeyemi").CheckAsync();
        await teacher.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-12-03");
        await teacher.GetByLabel("Start time").FillAsync("11:00");
        await teacher.GetByLabel("Length in minutes").FillAsync("30");
        await Assertions.Expect(teacher.Locator("[data-check-status]")).ToHaveTextAsync("The policy allows this session.", new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("[data-clause-table] tr[data-clause='1']")).ToContainTextAsync("Olu Adeyemi can give consent for Tayo Adeyemi", new() { Timeout = Ms });
    }

    [Fact]
    public async Task AdminResetsAPasswordAndEndsTheAccessOfALeaverWhosePageIsThenSignedOut()
    {
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/people");
        var staffForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a member of staff" });
        await staffForm.GetByLabel("Full name").FillAsync("Lee Leaver");
        await staffForm.GetByLabel("Email address").FillAsync("lee.leaver@demo.school");
        await staffForm.GetByLabel("Teacher").CheckAsync();
        await staffForm.GetByRole(AriaRole.Button, new() { Name = "Add member of staff" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-initial-password]")).ToContainTextAsync("Lee Leaver is added", new() { Timeout = Ms });

        // A forgotten password: a new one-time one, shown once; the first no longer works.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Reset password of Lee Leaver" }).ClickAsync();
        var reset = admin.Locator("[data-initial-password]");
        await Assertions.Expect(reset).ToContainTextAsync("Lee Leaver has a new password", new() { Timeout = Ms });
        var password = await reset.Locator("code").TextContentAsync(new() { Timeout = Ms });
        Assert.Matches("^cp-[0-9a-f]{18}$", password);
        await AssertEveryControlIsLabelledAsync(admin);

        // Signing in with it, they are asked to choose their own first.
        var leaver = await browser.NewPageAsync();
        await leaver.GotoAsync("/signin");
        await leaver.GetByLabel("Email address").FillAsync("lee.leaver@demo.school");
        await leaver.GetByLabel("Password").FillAsync(password!);
        await leaver.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await leaver.WaitForPageAsync(new Regex("/account/password"));
        await Assertions.Expect(leaver.Locator("[data-set-by-admin]")).ToBeVisibleAsync(new() { Timeout = Ms });
        // Nothing else opens until they have.
        await leaver.GotoAsync("/sessions");
        await leaver.WaitForPageAsync(new Regex("/account/password\\?returnUrl=%2Fsessions"));
        await leaver.GetByLabel("Current password").FillAsync(password!);
        await leaver.GetByLabel("New password").FillAsync("too short");
        await leaver.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(leaver.Locator("#new-password-error")).ToContainTextAsync("at least 10 characters", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(leaver);
        await leaver.GetByLabel("Current password").FillAsync(password!);
        await leaver.GetByLabel("New password").FillAsync("kettle orbit lantern moss");
        await leaver.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await leaver.WaitForPageAsync(new Regex("/sessions$"));
        await Assertions.Expect(leaver.GetByText("Your password is changed.")).ToBeVisibleAsync(new() { Timeout = Ms });
        password = "kettle orbit lantern moss";

        // They leave: the admin ends their access, and their open page is signed out at its next step.
        await admin.GetByRole(AriaRole.Button, new() { Name = "End access of Lee Leaver" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Lee Leaver’s access has ended", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "lee.leaver@demo.school" }).Locator("[data-access]")).ToContainTextAsync("Ended", new() { Timeout = Ms });
        await leaver.GotoAsync("/sessions");
        await leaver.WaitForPageAsync(new Regex("/signin"));
        await leaver.GetByLabel("Email address").FillAsync("lee.leaver@demo.school");
        await leaver.GetByLabel("Password").FillAsync(password!);
        await leaver.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(leaver.Locator("[data-error-summary]")).ToContainTextAsync("The email address or password is not right.", new() { Timeout = Ms });

        // An admin cannot end their own access.
        await admin.GetByRole(AriaRole.Button, new() { Name = "End access of Alex Morgan (admin)" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToContainTextAsync("You cannot end your own access", new() { Timeout = Ms });
    }

    [Fact]
    public async Task EndingTheAccessOfATeacherWhoHostsUpcomingSessionsSaysWhatToDoWithThemAndTheAdminCancelsThem()
    {
        var school = await Infrastructure.TestSchool.CreateAsync(browser.App);
        var teacher = await school.TeacherAsync(browser.App);
        await Infrastructure.TestSchool.BookOkAsync(teacher, school.Booking(Infrastructure.CallClient.NextSessionStart(browser.App)));
        await Infrastructure.TestSchool.BookOkAsync(teacher, school.Booking(Infrastructure.CallClient.NextSessionStart(browser.App).AddHours(2)));

        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, school.AdminEmail, Infrastructure.TestSchool.Password);
        await admin.GotoAsync("/admin/people");
        var name = await browser.App.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Id == school.TeacherId).Name));
        await admin.GetByRole(AriaRole.Button, new() { Name = $"End access of {name}" }).ClickAsync();

        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("They host 2 upcoming sessions, which cannot take place without them", new() { Timeout = Ms });

        // The admin cancels them, with a reason the families are given.
        var reason = admin.GetByLabel($"{name}: 2 upcoming sessions. The reason the families are given");
        await reason.FillAsync("");
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Cancel the upcoming sessions of {name}" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToContainTextAsync("Say why the session is cancelled", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await reason.FillAsync("Mr Example has left the school; we will call you to arrange another time.");
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Cancel the upcoming sessions of {name}" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync($"2 upcoming sessions of {name} are cancelled", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("[data-leavers-sessions]")).ToHaveCountAsync(0, new() { Timeout = Ms });
        var sessions = await browser.App.WithDbAsync(db => db.Sessions.Where(s => s.TeacherId == school.TeacherId)
            .Select(s => new { s.Id, s.Status, s.CancellationReason }).ToListAsync());
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal((Chaperone.Scheduling.SessionStatus.Cancelled, "Mr Example has left the school; we will call you to arrange another time."), (s.Status, s.CancellationReason)));
        var ids = sessions.Select(s => (Guid?)s.Id).ToList();
        Assert.Equal(2, await browser.App.WithDbAsync(db => db.OutboxMessages.CountAsync(m => ids.Contains(m.SessionId) && m.Kind == Chaperone.Notifications.MessageKind.Cancelled && m.RecipientRole == "guardian")));
        // Nor can they be booked again: the schedule page no longer offers them.
        var other = await browser.App.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Id == school.OtherTeacherId).Name));
        await admin.GotoAsync("/sessions/new");
        var teachers = admin.GetByLabel("Teacher who will host");
        await Assertions.Expect(teachers.Locator("option", new() { HasText = other })).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(teachers.Locator("option", new() { HasText = name })).ToHaveCountAsync(0, new() { Timeout = Ms });
    }

    [Fact]
    public async Task AdminAddsStaffWhoseInitialPasswordIsShownOnceAndWorks()
    {
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/people");

        var staffForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a member of staff" });
        await staffForm.GetByLabel("Full name").FillAsync("Nia Roberts");
        await staffForm.GetByLabel("Email address").FillAsync("nia.roberts@demo.school");
        await staffForm.GetByRole(AriaRole.Button, new() { Name = "Add member of staff" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#staff-roles-error")).ToContainTextAsync("Choose at least one role: teacher, senior leader, DSL or admin", new() { Timeout = Ms });
        await Assertions.Expect(staffForm.GetByLabel("Email address")).ToHaveValueAsync("nia.roberts@demo.school", new() { Timeout = Ms });

        await staffForm.GetByLabel("Teacher").CheckAsync();
        await staffForm.GetByRole(AriaRole.Button, new() { Name = "Add member of staff" }).ClickAsync();
        var added = admin.Locator("[data-initial-password]");
        await Assertions.Expect(added).ToContainTextAsync("Nia Roberts is added", new() { Timeout = Ms });
        var password = await added.Locator("code").TextContentAsync(new() { Timeout = Ms });
        Assert.Matches("^cp-[0-9a-f]{18}$", password);
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "nia.roberts@demo.school" })).ToContainTextAsync("Not yet confirmed", new() { Timeout = Ms });

        // Shown once: the page does not show it again.
        await admin.GotoAsync("/admin/people");
        await Assertions.Expect(admin.Locator("[data-initial-password]")).ToHaveCountAsync(0, new() { Timeout = Ms });
        Assert.DoesNotContain(password!, await admin.ContentAsync().WaitAsync(BrowserApp.Timeout), StringComparison.Ordinal);

        // Details can be changed, the form saying what to fix; the new member of staff signs in at their new address with the password they were given.
        await admin.GetByRole(AriaRole.Link, new() { Name = "Change details of Nia Roberts" }).ClickAsync();
        var detailsForm = admin.GetByRole(AriaRole.Form, new() { Name = "Change the details of Nia Roberts" });
        await Assertions.Expect(detailsForm.GetByLabel("Email address")).ToHaveValueAsync("nia.roberts@demo.school", new() { Timeout = Ms });
        await detailsForm.GetByLabel("Email address").FillAsync("teacher1@demo.school");
        await detailsForm.GetByLabel("Senior leader (SLT)").CheckAsync();
        await detailsForm.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#staff-email-error")).ToContainTextAsync("Someone already has an account with this email address", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await detailsForm.GetByLabel("Full name").FillAsync("Nia Roberts-Evans");
        await detailsForm.GetByLabel("Email address").FillAsync("nia.roberts-evans@demo.school");
        await detailsForm.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        // The senior leader role opens safeguarding records, and the admin knows Nia's password: it is offered by email, not given.
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Nia Roberts-Evans’s details are saved. Roles: Teacher. The senior leader role is theirs only once they accept it", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "nia.roberts-evans@demo.school" }).Locator("[data-pending-roles]"))
            .ToContainTextAsync("Senior leader role awaiting acceptance by email since", new() { Timeout = Ms });

        var teacher = await browser.NewPageAsync();
        await teacher.GotoAsync("/signin");
        await teacher.GetByLabel("Email address").FillAsync("nia.roberts-evans@demo.school");
        await teacher.GetByLabel("Password").FillAsync(password!);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // A teacher still: sent to choose their own password.
        await teacher.WaitForPageAsync(new Regex("/account/password"));
        await Assertions.Expect(teacher.GetByText("Signed in as")).ToContainTextAsync("Nia Roberts-Evans", new() { Timeout = Ms });

        // Nia accepts the role through the link emailed to her, with a password of her own; then, a senior leader, she is sent to set up two-factor sign-in.
        await teacher.GotoAsync(await EmailedLinkAsync(browser.App, "nia.roberts-evans@demo.school", new Regex(@"https?://\S+/account/accept-role\?\S+")));
        await AssertEveryControlIsLabelledAsync(teacher);
        await teacher.GetByLabel("New password").FillAsync("kettle harbour lantern");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Accept the role" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/signin$"));
        await Assertions.Expect(teacher.GetByText("The role is yours")).ToBeVisibleAsync(new() { Timeout = Ms });
        await teacher.GetByLabel("Email address").FillAsync("nia.roberts-evans@demo.school");
        await teacher.GetByLabel("Password").FillAsync("kettle harbour lantern");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await teacher.WaitForPageAsync(new Regex("/account/two-factor"));
    }
    [Fact]
    public async Task ATeacherWhoForgotTheirPasswordChoosesANewOneThroughTheEmailedLink()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Forgotten your password?" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a link" }).ClickAsync();
        await Assertions.Expect(page.Locator("#email-error")).ToContainTextAsync("Enter the email address you sign in with", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        await page.GetByLabel("Email address").FillAsync("teacher3@demo.school");
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a link" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-link-sent]")).ToContainTextAsync("a link to choose a new password is on its way", new() { Timeout = Ms });

        // The link as the teacher gets it: in the email the outbox delivered to the mail folder.
        await page.GotoAsync(await EmailedLinkAsync(browser.App, "teacher3@demo.school", new Regex(@"https?://\S+/account/reset-password\?\S+")));
        await page.GetByLabel("New password").FillAsync("too short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.Locator("#new-password-error")).ToContainTextAsync("at least 10 characters", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        var link = page.Url;
        await page.GetByLabel("New password").FillAsync("saucepan meadow violet");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/signin$"));
        await Assertions.Expect(page.GetByText("Your new password is set.")).ToBeVisibleAsync(new() { Timeout = Ms });
        await SignInAsync(page, "teacher3@demo.school", "saucepan meadow violet");

        // The link has done its work.
        await page.GotoAsync(link);
        await Assertions.Expect(page.Locator("[data-link-unusable]")).ToContainTextAsync("has run out or has already been used", new() { Timeout = Ms });
    }
    [Fact]
    public async Task AnAdminImportsPupilsAndParentsFromAFileAfterFixingWhatThePageSays()
    {
        const string header = "Pupil name,Date of birth,Parent or carer name,Relationship,Parental responsibility,Email,Phone\n";
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/people");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Import pupils and their parents and carers from a CSV file" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/people/import$"));
        var file = admin.GetByLabel("CSV file");
        async Task UploadAsync(string csv, bool checkOnly = false)
        {
            await file.SetInputFilesAsync(new FilePayload { Name = "from-the-mis.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
            await admin.GetByLabel("Check only").SetCheckedAsync(checkOnly);
            await admin.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        }

        await UploadAsync(header + "Gus Imported,2018-06-07,Hal Imported,Father,perhaps,hal.imported@family.test,\n");
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToContainTextAsync("1 thing needs fixing in the file; nothing was imported", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("[data-row-errors] tbody tr")).ToContainTextAsync("Parental responsibility", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);

        var fixedFile = header + "Gus Imported,2018-06-07,Hal Imported,Father,yes,hal.imported@family.test,\n";
        await UploadAsync(fixedFile, checkOnly: true);
        await Assertions.Expect(admin.Locator("[data-import-result]")).ToContainTextAsync("1 new pupil", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("[data-import-result] h2")).ToHaveTextAsync("The file is ready to import", new() { Timeout = Ms });
        await UploadAsync(fixedFile);
        await Assertions.Expect(admin.Locator("[data-import-result] h2")).ToHaveTextAsync("Imported", new() { Timeout = Ms });

        // Hal's number has changed in the MIS: the page says so, and takes it only when asked to bring details up to date.
        var newNumber = header + "Gus Imported,2018-06-07,Hal Imported,Father,yes,hal.imported@family.test,01726 333333\n";
        await UploadAsync(newNumber);
        await Assertions.Expect(admin.Locator("[data-differing]")).ToContainTextAsync("1 parent or carer already held has other details than the file’s", new() { Timeout = Ms });
        await admin.GetByLabel("Bring details up to date").CheckAsync();
        await UploadAsync(newNumber);
        await Assertions.Expect(admin.Locator("[data-import-result]")).ToContainTextAsync("had their details brought up to date", new() { Timeout = Ms });

        await admin.GetByRole(AriaRole.Link, new() { Name = "Back to people" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "Gus Imported" })).ToContainTextAsync("Hal Imported", new() { Timeout = Ms });
    }

    [Fact]
    public async Task AnAdminImportsStaffAndANewTeacherChoosesTheirPasswordFromTheInvitation()
    {
        var address = $"new.teacher.{Guid.NewGuid():N}@demo.school";
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/people");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Import staff from a CSV file" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/people/import\\?kind=staff$"));
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Import staff");
        async Task UploadAsync(string csv)
        {
            await admin.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "staff.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
            await admin.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        }

        await UploadAsync($"Name,Email,Roles\nNell Newcomer,{address},Teacher; Caretaker\n");
        await Assertions.Expect(admin.Locator("[data-row-errors] tbody tr")).ToContainTextAsync("Roles", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await UploadAsync($"Name,Email,Roles\nNell Newcomer,{address},Teacher\n");
        await Assertions.Expect(admin.Locator("[data-import-result]")).ToContainTextAsync($"Nell Newcomer ({address}): Teacher", new() { Timeout = Ms });

        // The invitation as Nell gets it, from the mail folder: she chooses her password and signs in.
        var page = await browser.NewPageAsync();
        await page.GotoAsync(await EmailedLinkAsync(browser.App, address, new Regex(@"https?://\S+/account/reset-password\?\S+")));
        await page.GetByLabel("New password").FillAsync("lantern orchard pebble");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/signin$"));
        await SignInAsync(page, address, "lantern orchard pebble");
        await Assertions.Expect(page.GetByText("Signed in as")).ToContainTextAsync("Nell Newcomer", new() { Timeout = Ms });

        // One more, added on the People page with an invitation instead of a password to hand over.
        var another = $"ola.invited.{Guid.NewGuid():N}@demo.school";
        await admin.GotoAsync("/admin/people");
        var staffForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a member of staff" });
        await staffForm.GetByLabel("Full name").FillAsync("Ola Invited");
        await staffForm.GetByLabel("Email address").FillAsync(another);
        await staffForm.GetByLabel("Teacher").CheckAsync();
        await staffForm.GetByLabel("Email them an invitation to choose their password").CheckAsync();
        await staffForm.GetByRole(AriaRole.Button, new() { Name = "Add member of staff" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-invited]")).ToContainTextAsync($"An invitation to choose their password is emailed to {another}", new() { Timeout = Ms });
        await Assertions.Expect(admin.Locator("[data-initial-password]")).ToHaveCountAsync(0);
        Assert.Contains("/account/reset-password?", await EmailedLinkAsync(browser.App, another, new Regex(@"https?://\S+/account/reset-password\?\S+")), StringComparison.Ordinal);
    }
}
