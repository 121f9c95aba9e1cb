using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Every page each role reaches by following links, as a person clicking through would, in a school
/// with a call that ran (its record and recording), one to come and concerns of both kinds: each
/// answers without an error, and passes the basic checks (controls labelled, ids unique, one heading,
/// a title, at most one notice of each kind).
/// </summary>
public sealed class EveryPageInTheBrowserTests(BrowserApp browser, ITestOutputHelper output) : IClassFixture<BrowserApp>
{
    /// <summary>Enough to reach every kind of page from the menus; the demo's lists repeat kinds after that.</summary>
    private const int MostPages = 60;

    /// <summary>Links that are not pages to read: downloads, the API, streams, signing out, and the families' own links.</summary>
    private static readonly string[] NotPages = ["/signout", "/api/", "/openapi", "/scalar", "format=", "/content", "/download", ".ics", "/health", "/family", "/join"];

    public static TheoryData<string> Roles => ["admin", "slt", "dsl", "teacher", "unfamiliar teacher"];

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryPageARoleReachesAnswersAndPassesTheBasicChecks(string role)
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var (ran, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Read two chapters.");
        var teacher = await school.TeacherAsync(app);
        await TestSchool.BookOkAsync(teacher, school.Booking(CallClient.NextSessionStart(app), pupil: school.SiblingA, guardian: school.SharedParent));
        var chunk = new ByteArrayContent(new byte[4096]);
        chunk.Headers.ContentType = new("video/webm");
        Assert.True((await teacher.PostAsync($"/api/v1/sessions/{ran}/recording/chunks/0", chunk)).IsSuccessStatusCode);
        await Concerns.ConcernTestSupport.LeadersAsync(app, school);
        await Concerns.ConcernTestSupport.RaiseAsync(teacher, Concerns.ConcernTestSupport.Safeguarding(school));
        await Concerns.ConcernTestSupport.RaiseAsync(teacher, new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "Shouting", detail = "Twice, at the screen." });

        var page = await browser.NewPageAsync();
        switch (role)
        {
            case "slt":
                await SignInWithTwoFactorsAsync(page, app, school.SltEmail, TestSchool.Password);
                break;
            case "dsl":
                await SignInWithTwoFactorsAsync(page, app, school.DslEmail, TestSchool.Password);
                break;
            default:
                await SignInAsync(page, role switch { "admin" => school.AdminEmail, "teacher" => school.TeacherEmail, _ => school.UnfamiliarTeacherEmail }, TestSchool.Password);
                break;
        }
        var origin = new Uri(page.Url).GetLeftPart(UriPartial.Authority);
        var seen = new HashSet<string>(StringComparer.Ordinal) { "/" };
        var queue = new Queue<string>(["/"]);
        var problems = new List<string>();
        var visited = 0;
        while (queue.Count > 0 && visited < MostPages)
        {
            var path = queue.Dequeue();
            IResponse? response;
            try
            {
                response = await page.GotoAsync(path, new() { Timeout = Ms });
            }
            catch (PlaywrightException e) when (e.Message.StartsWith("Download is starting", StringComparison.Ordinal))
            {
                // A file to download (a template, an export), not a page.
                continue;
            }
            visited++;
            output.WriteLine($"{response?.Status} {path}");
            if (response is null || response.Status >= 400)
            {
                problems.Add($"{path}: {response?.Status.ToString() ?? "no answer"}");
                continue;
            }
            try
            {
                await AssertEveryControlIsLabelledAsync(page);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                problems.Add($"{path}: {e.Message}");
            }
            if (string.IsNullOrWhiteSpace(await page.TitleAsync()))
            {
                problems.Add($"{path}: no title");
            }
            foreach (var notice in new[] { ".notice-success", ".error-summary" })
            {
                if (await page.Locator(notice).CountAsync() > 1)
                {
                    problems.Add($"{path}: {notice} shown more than once");
                }
            }
            var links = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href)");
            foreach (var link in links)
            {
                if (!link.StartsWith(origin + "/", StringComparison.Ordinal))
                {
                    continue;
                }
                var local = link[origin.Length..].Split('#')[0];
                if (local.Length > 0 && !NotPages.Any(n => local.Contains(n, StringComparison.Ordinal)) && seen.Add(local))
                {
                    queue.Enqueue(local);
                }
            }
        }

        Assert.Empty(problems);
        // The crawl reached the menus' pages, not only the start.
        Assert.True(visited >= 8, $"only {visited} pages reached from / as the {role}");
    }
}
