using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The demo school's staff pages as their staff read them: on a phone, where each table scrolls
/// sideways in a region of its own and the page never does; and the audit trail, whose details
/// read as they were typed. "Now" is Monday 30 November 2026, 08:00 UTC.
/// </summary>
public sealed class StaffPagesInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task OnAPhoneEveryTableScrollsInItsOwnRegionAndNoStaffPageScrollsSideways()
    {
        // Rows for every list: two sessions booked (and so their emails), and a concern about one pupil.
        var (teacher, amelia, sarah, isla, mark) = await browser.App.WithDbAsync(async db => (
            await db.Users.Where(u => u.Email == "teacher1@demo.school").Select(u => u.Id).SingleAsync(),
            await db.Pupils.Where(p => p.Name == "Amelia Brown").Select(p => p.Id).SingleAsync(),
            await db.Guardians.Where(g => g.Name == "Sarah Brown").Select(g => g.Id).SingleAsync(),
            await db.Pupils.Where(p => p.Name == "Isla Taylor").Select(p => p.Id).SingleAsync(),
            await db.Guardians.Where(g => g.Name == "Mark Taylor").Select(g => g.Id).SingleAsync()));
        using var api = await browser.StaffClientAsync("teacher1@demo.school");
        var session = await TestSchool.BookOkAsync(api, new
        {
            teacherId = teacher.ToString(), pupilIds = new[] { amelia.ToString() }, guardianIds = new[] { sarah.ToString() },
            kind = "support", start = Api.Rfc3339(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero)), durationMinutes = 30,
        });
        await TestSchool.BookOkAsync(api, new
        {
            teacherId = teacher.ToString(), pupilIds = new[] { isla.ToString() }, guardianIds = new[] { mark.ToString() },
            kind = "pastoral", start = Api.Rfc3339(new DateTimeOffset(2026, 12, 3, 11, 0, 0, TimeSpan.Zero)), durationMinutes = 45,
        });
        (await api.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { amelia.ToString() }, kind = "behaviour",
            summary = "Shouting at the screen", detail = "Twice, when asked to read aloud.",
        })).EnsureSuccessStatusCode();

        var admin = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await SignInAsync(admin, "admin@demo.school");
        foreach (var path in new[] { "/admin/audit", "/outbox", "/admin/people", "/admin/settings" })
        {
            await AssertFitsAsync(admin, path);
        }
        var teacherPage = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await SignInAsync(teacherPage, "teacher1@demo.school");
        foreach (var path in new[] { "/sessions", $"/sessions/{session}", "/outbox" })
        {
            await AssertFitsAsync(teacherPage, path);
        }
        var head = await browser.NewPageAsync(viewport: BrowserApp.Phone);
        await SignInWithTwoFactorsAsync(head, browser.App, "head@demo.school");
        await AssertFitsAsync(head, "/concerns");
    }

    [Fact]
    public async Task TheAuditTrailShowsANameAsItWasTypedAndItsChainStillChecks()
    {
        const string name = "Seán O'Brien <Ops> & Co";
        const string email = "sean.obrien+staff@demo.school";
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await admin.GotoAsync("/admin/people");
        var staffForm = admin.GetByRole(AriaRole.Form, new() { Name = "Add a member of staff" });
        await staffForm.GetByLabel("Full name").FillAsync(name);
        await staffForm.GetByLabel("Email address").FillAsync(email);
        await staffForm.GetByLabel("Teacher").CheckAsync();
        await staffForm.GetByRole(AriaRole.Button, new() { Name = "Add member of staff" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-initial-password]")).ToContainTextAsync($"{name} is added", new() { Timeout = Ms });

        await admin.GotoAsync("/admin/audit?action=staff.added");
        var entry = admin.Locator("[data-audit-table] tbody tr").Filter(new() { HasText = "sean.obrien" });
        await Assertions.Expect(entry).ToHaveCountAsync(1, new() { Timeout = Ms });
        await Assertions.Expect(entry).ToContainTextAsync($"\"name\":\"{name}\",\"email\":\"{email}\"", new() { Timeout = Ms });
        Assert.DoesNotContain("\\u", await entry.TextContentAsync(new() { Timeout = Ms }), StringComparison.Ordinal);
        // Encoded once: the angle brackets are text, not an element.
        await Assertions.Expect(entry.Locator("ops")).ToHaveCountAsync(0, new() { Timeout = Ms });

        // Only the page reads it so: the entry is stored, and sealed, as it was written, and the chain checks.
        var stored = await browser.App.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == "staff.added" && e.Details!.Contains("sean.obrien")).Select(e => e.Details).SingleAsync());
        Assert.Contains("O\\u0027Brien \\u003COps\\u003E \\u0026 Co", stored, StringComparison.Ordinal);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Check the audit trail is intact" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-verification]")).ToHaveAttributeAsync("data-verification", "valid", new() { Timeout = Ms });
    }

    /// <summary>
    /// <paramref name="path"/> answers with rows in its tables, every table sits in a focusable,
    /// named region of its own that scrolls it sideways, and the page is no wider than the phone.
    /// </summary>
    private static async Task AssertFitsAsync(IPage page, string path)
    {
        var response = await page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"{path} answered {response?.Status}");
        Assert.True(await page.Locator("table tbody tr").CountAsync() > 0, $"{path} has no table rows to show");
        var loose = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('table')].filter(t => {
              const region = t.closest('.table-scroll[role="region"][tabindex="0"]');
              if (!region || getComputedStyle(region).overflowX !== 'auto') return true;
              const by = region.getAttribute('aria-labelledby');
              const name = by ? document.getElementById(by)?.textContent : region.getAttribute('aria-label');
              return !name || !name.trim();
            }).map(t => t.className || t.outerHTML.slice(0, 80))
            """);
        Assert.True(loose.Length == 0, $"{path}: tables outside a named scrolling region: {string.Join("; ", loose)}");
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (widths[0] > widths[1])
        {
            // What sticks out: the outermost elements that reach past the screen's edge.
            var wide = await page.EvaluateAsync<string[]>("""
                () => [...document.body.querySelectorAll('*')]
                  .filter(e => e.getBoundingClientRect().right > window.innerWidth && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth))
                  .slice(0, 5).map(e => e.outerHTML.slice(0, 160))
                """);
            Assert.Fail($"{path} is {widths[0]} px wide on a {widths[1]} px screen: {string.Join(" | ", wide)}");
        }
    }
}
