using System.Text.RegularExpressions;
using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>Steps and checks the browser tests share. Every wait has <see cref="BrowserApp.Timeout"/>.</summary>
public static class BrowserSteps
{
    public static float Ms => (float)BrowserApp.Timeout.TotalMilliseconds;

    public static ILocator Nav(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });

    /// <summary>
    /// Waits until the page is at an address matching <paramref name="url"/> and that document has
    /// loaded, by the page's address and the document's own <c>readyState</c>, both polled. Not by
    /// <c>WaitForURLAsync</c>: on a busy machine it now and then waited for ever for a load state
    /// of a page already there (its network-idle event came, its load or commit state never did).
    /// </summary>
    public static async Task WaitForPageAsync(this IPage page, Regex url)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = Ms });
        await page.WaitForFunctionAsync("() => document.readyState === 'complete'", null, new() { Timeout = Ms });
    }

    /// <summary>Signs in through the sign-in page as a demo member of staff, who lands on their sessions.</summary>
    public static async Task SignInAsync(IPage page, string email, string password = ChaperoneApp.DemoPassword)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions$"));
    }

    /// <summary>
    /// The first match of <paramref name="link"/> in an email to <paramref name="address"/> that
    /// <paramref name="about"/> accepts, as its reader gets it: from the message the outbox delivered
    /// (the embedded default writes each as an .eml file under the data directory's mail folder).
    /// </summary>
    public static async Task<string> EmailedLinkAsync(ChaperoneApp app, string address, Regex link, Func<MimeKit.MimeMessage, bool>? about = null)
    {
        var folder = Path.Combine(app.DataDirectory, "mail");
        var deadline = DateTime.UtcNow + BrowserApp.Timeout;
        while (true)
        {
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml") : [])
            {
                var message = await MimeKit.MimeMessage.LoadAsync(file);
                if (message.To.Mailboxes.Any(m => m.Address == address) && (about?.Invoke(message) ?? true)
                    && link.Match(message.TextBody ?? "") is { Success: true } found)
                {
                    return found.Value;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"No email with a link like {link} reached {address} within {BrowserApp.Timeout}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Signs in through the sign-in page with a password and the current code of the authenticator key <paramref name="totpSecret"/>; lands on the sessions.</summary>
    public static async Task SignInWithTwoFactorsAsync(IPage page, ChaperoneApp app, string email, string password = ChaperoneApp.DemoPassword, string totpSecret = ChaperoneApp.DemoTotpSecret)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("Code from your authenticator app").FillAsync(app.NextTotpCode(email, totpSecret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions$"));
    }

    /// <summary>A basic check, short of a full audit: every visible form control has an accessible name, and ids are unique.</summary>
    public static async Task AssertEveryControlIsLabelledAsync(IPage page)
    {
        var problems = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
                const named = (c.labels && c.labels.length > 0) || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
                if (!named) out.push('unlabelled ' + (c.id || c.name));
              }
              const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
              for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) out.push('duplicate id ' + id);
              if (document.documentElement.lang !== 'en-GB') out.push('lang is ' + document.documentElement.lang);
              if (document.querySelectorAll('h1').length !== 1) out.push('not exactly one h1');
              return out;
            }
            """).WaitAsync(BrowserApp.Timeout);
        Assert.Empty(problems);
    }

    /// <summary>The accessibility engine the browser tests run on pages (axe-core, which <c>test.sh</c> installs from npm; <c>CHAPERONE_TEST_AXE</c>).</summary>
    private static readonly Lazy<string> Axe = new(() =>
        Environment.GetEnvironmentVariable("CHAPERONE_TEST_AXE") is { Length: > 0 } path && File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException("CHAPERONE_TEST_AXE does not name axe-core's axe.min.js: run the tests with ./test.sh, which installs it."));

    /// <summary>One rule a page breaks, as axe-core reports it.</summary>
    public sealed class AxeViolation
    {
        public string Id { get; set; } = "";
        public string? Impact { get; set; }
        public string Help { get; set; } = "";
        public int Nodes { get; set; }
        public string? Target { get; set; }
        public string? Html { get; set; }

        public override string ToString() => $"{Id} ({Impact}): {Help}, {Nodes}× e.g. {Target} {Html}";
    }

    /// <summary>
    /// The WCAG 2.2 level A and AA rules (and axe's best practices for forms and landmarks) the page
    /// breaks, by axe-core run in the page as it stands; the engine is evaluated through the browser's
    /// protocol, so the page's content security policy does not stop it.
    /// </summary>
    public static async Task<AxeViolation[]> AccessibilityViolationsAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync("() => { " + Axe.Value + "\n}");
        }
        return await page.EvaluateAsync<AxeViolation[]>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
              return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                target: v.nodes[0] ? v.nodes[0].target.join(' ') : null,
                html: v.nodes[0] ? v.nodes[0].html.slice(0, 200) : null
              }));
            }
            """).WaitAsync(BrowserApp.Timeout);
    }

    /// <summary>Saves a screenshot when <c>CHAPERONE_TEST_SCREENSHOTS</c> names a folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CHAPERONE_TEST_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name), FullPage = true, Timeout = Ms });
        }
    }
}
