using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Records;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>Clause 11 in a real browser: the session's printable record, a pupil's record of intervention over chosen dates, and its CSV.</summary>
public sealed class RecordInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private const string Notes = "Read a chapter together.";

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ATeacherChoosesDatesOnAPupilsRecordAndDownloadsTheCsvWithTheKeyboard()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (ran, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        var later = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start.AddDays(7)));

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.TeacherEmail, TestSchool.Password);
        await page.GotoAsync($"/sessions/{ran}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Record", Exact = true }).ClickAsync();
        await page.WaitForPageAsync(new Regex($"/sessions/{ran}/record$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Record of the session with Toby Twoparents", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("blockquote.consent-text")).ToContainTextAsync("I, Mia Mother, have parental responsibility", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = "Mia Mother (parent or carer) 09:55 10:20" })).ToBeVisibleAsync(new() { Timeout = Ms });
        // Printed, the record leaves out the navigation and the buttons.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(Nav(page)).ToBeHiddenAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Print the record" })).ToBeHiddenAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Raise a concern about this session" })).ToBeHiddenAsync(new() { Timeout = Ms });
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        // A concern about the session is one click from its record (clause 12), the session already chosen.
        await page.GetByRole(AriaRole.Link, new() { Name = "Raise a concern about this session" }).ClickAsync();
        await page.WaitForPageAsync(new Regex($"/concerns/new\\?sessionId={ran}$"));
        await Assertions.Expect(page.Locator(".static-value a")).ToHaveAttributeAsync("href", $"/sessions/{ran}", new() { Timeout = Ms });
        await page.GoBackAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Toby Twoparents" }).ClickAsync();
        await page.WaitForPageAsync(new Regex($"/pupils/{school.TwoParentPupil}/record-of-intervention$"));
        await Assertions.Expect(page.Locator("table.record-table tbody tr")).ToHaveCountAsync(1, new() { Timeout = Ms }); // this school year up to today: the call that ran

        // Choose a range that holds both sessions, then one that holds only the later one; submit with Enter.
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(Iso(start));
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(Iso(start.AddDays(7)));
        await page.GetByLabel("To", new() { Exact = true }).PressAsync("Enter");
        await Assertions.Expect(page.Locator("table.record-table tbody tr")).ToHaveCountAsync(2, new() { Timeout = Ms });
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(Iso(start));
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(Iso(start));
        await page.GetByLabel("To", new() { Exact = true }).PressAsync("Enter");
        await page.WaitForPageAsync(new Regex($"from={Iso(start)}&to={Iso(start)}"));
        var rows = page.Locator("table.record-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(rows.First).ToContainTextAsync("Mia Mother (parent or carer) joined 09:55, left 10:20", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        await ScreenshotAsync(page, "record-of-intervention.png");

        var link = page.GetByRole(AriaRole.Link, new() { Name = "Download CSV (for the MIS)" });
        await link.FocusAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Keyboard.PressAsync("Enter"), new() { Timeout = Ms });
        Assert.Equal($"record-of-intervention-toby-twoparents-{Iso(start)}-{Iso(start)}.csv", download.SuggestedFilename);
        var path = await download.PathAsync();
        var csv = RecordApiTests.ReadCsv(await File.ReadAllBytesAsync(path));
        var row = Assert.Single(csv);
        Assert.Equal(ran.ToString(), row["Session id"]);
        Assert.Equal(Notes, row["Notes"]);
        Assert.Equal("Completed", row["Outcome"]);
        Assert.DoesNotContain(csv, r => r["Session id"] == later);
    }

    [Fact]
    public async Task TheDslDownloadsAPupilsSubjectAccessExportWithTheConcernsAboutThem()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (ran, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        await Concerns.ConcernTestSupport.RaiseAsync(await school.TeacherAsync(app), Concerns.ConcernTestSupport.Safeguarding(school));
        await Concerns.ConcernTestSupport.EnrolAsync(app, school.DslEmail);

        var page = await browser.NewPageAsync();
        await SignInWithTwoFactorsAsync(page, app, school.DslEmail, TestSchool.Password);
        await page.GotoAsync($"/pupils/{school.TwoParentPupil}/record-of-intervention");
        await page.GetByRole(AriaRole.Link, new() { Name = "Subject access export: everything held about Toby Twoparents" }).ClickAsync();
        await page.WaitForPageAsync(new Regex($"/pupils/{school.TwoParentPupil}/subject-access$"));
        await Assertions.Expect(page.Locator("[data-export-contents]")).ToContainTextAsync("each of their 1 session", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);

        await page.GetByLabel("Include the concerns about Toby Twoparents, with their chronology").CheckAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download the export" }).ClickAsync(), new() { Timeout = Ms });

        Assert.Matches(@"^subject-access-toby-twoparents-\d{4}-\d{2}-\d{2}\.json$", download.SuggestedFilename);
        using var export = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(await download.PathAsync()));
        Assert.Equal("Toby Twoparents", export.RootElement.GetProperty("pupil").GetProperty("name").GetString());
        Assert.Equal(ran.ToString(), Assert.Single(export.RootElement.GetProperty("sessions").EnumerateArray()).GetProperty("session").GetProperty("id").GetString());
        Assert.Equal("safeguarding", Assert.Single(export.RootElement.GetProperty("concerns").EnumerateArray()).GetProperty("kind").GetString());

        // The mother's own export, from the session's page.
        await page.GotoAsync($"/sessions/{ran}");
        await page.GetByRole(AriaRole.Link, new() { Name = "subject access export of Mia Mother" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-export-contents]")).ToContainTextAsync("each of the 1 session they were invited to", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(page);
        // With the recordings of the sessions she joined: a ZIP holding the export (this call made none).
        await page.GetByLabel("Include the recordings of the sessions they joined").CheckAsync();
        var theirs = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download the export" }).ClickAsync(), new() { Timeout = Ms });
        Assert.Matches(@"^subject-access-mia-mother-\d{4}-\d{2}-\d{2}\.zip$", theirs.SuggestedFilename);
        using var zip = System.IO.Compression.ZipFile.OpenRead(await theirs.PathAsync());
        await using var json = await Assert.Single(zip.Entries).OpenAsync();
        using var mother = await System.Text.Json.JsonDocument.ParseAsync(json);
        Assert.Equal("Mia Mother", mother.RootElement.GetProperty("parentOrCarer").GetProperty("name").GetString());
        Assert.Empty(mother.RootElement.GetProperty("recordings").EnumerateArray());
    }

    [Fact]
    public async Task AnAdminSetsATermAndTheSchoolsRecordIsReadForThatTerm()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (_, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.AdminEmail, TestSchool.Password);
        await page.GotoAsync("/admin/settings");
        // Without a name, and ending before it starts: both are said, and the dates typed are kept.
        await page.GetByLabel("Term starts on").FillAsync(Iso(start.AddDays(5)));
        await page.GetByLabel("Term ends on").FillAsync(Iso(start.AddDays(-10)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add term" }).ClickAsync();
        await Assertions.Expect(page.Locator("#termName").Locator("xpath=..")).ToContainTextAsync("Name the term", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#termLastDay").Locator("xpath=..")).ToContainTextAsync("cannot be before the first", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("#termFirstDay")).ToHaveValueAsync(Iso(start.AddDays(5)));
        Assert.Empty(await AccessibilityViolationsAsync(page));
        await page.GetByLabel("Term name").FillAsync("Test term");
        await page.GetByLabel("Term starts on").FillAsync(Iso(start.AddDays(-10)));
        await page.GetByLabel("Term ends on").FillAsync(Iso(start.AddDays(5)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add term" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The term “Test term” is added.", new() { Timeout = Ms });
        await Assertions.Expect(page.Locator("table.terms")).ToContainTextAsync("Test term");

        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Record of intervention" }).ClickAsync();
        var term = await page.Locator("#term option", new() { HasText = "Test term" }).GetAttributeAsync("value");
        await page.GetByLabel("Term").SelectOptionAsync(term!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the record" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.record-table tbody tr")).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(page.GetByText("Test term: ")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(page.GetByLabel("From", new() { Exact = true })).ToHaveValueAsync(Iso(start.AddDays(-10)));
        Assert.Empty(await AccessibilityViolationsAsync(page));
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download PDF" }).ClickAsync(), new() { Timeout = Ms });
        Assert.Contains("Test term: ", RecordApiTests.PdfText(await File.ReadAllBytesAsync(await download.PathAsync())));

        // The admin removes the term again, from the settings page.
        await page.GotoAsync("/admin/settings");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove Test term" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The term “Test term” is removed.", new() { Timeout = Ms });
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Term dates" })).ToContainTextAsync("No terms recorded.", new() { Timeout = Ms });
    }

    [Fact]
    public async Task AnAdminExportsTheSchoolsRecordAsPdfForTheMisFromTheMenu()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (_, start) = await CallClient.BookAndRunCallAsync(app, school, "cut-short", Notes);

        var page = await browser.NewPageAsync();
        await SignInAsync(page, school.AdminEmail, TestSchool.Password);
        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Record of intervention" }).ClickAsync();
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(Iso(start));
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(Iso(start));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the record" }).ClickAsync();
        var rows = page.Locator("table.record-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(rows.First).ToContainTextAsync("Cut short", new() { Timeout = Ms });

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download PDF" }).ClickAsync(), new() { Timeout = Ms });
        var text = RecordApiTests.PdfText(await File.ReadAllBytesAsync(await download.PathAsync()));
        Assert.Contains("Toby Twoparents", text);
        Assert.Contains("Cut short", text);
    }
}
