using Chaperone.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Every page each role reaches by following links, as a person clicking through would, in a school
/// with a call that ran (its record and recording), one to come and concerns of both kinds: each
/// answers without an error, passes the basic checks (controls labelled, ids unique, one heading,
/// a title, at most one notice of each kind), and breaks none of the WCAG 2.2 A and AA rules axe-core
/// checks (the standard UK public sector bodies, schools among them, must meet).
/// </summary>
public sealed class EveryPageInTheBrowserTests(BrowserApp browser, ITestOutputHelper output) : IClassFixture<BrowserApp>
{
    /// <summary>Enough to reach every kind of page from the menus.</summary>
    private const int MostPages = 60;

    /// <summary>Pages of one kind (the same address but for ids and query values) visited at most: the lists repeat kinds.</summary>
    private const int MostOfAKind = 2;

    /// <summary>A page's kind: its address with ids and query values taken out.</summary>
    private static string KindOf(string local) =>
        System.Text.RegularExpressions.Regex.Replace(local, "[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|=[^&]*", "*");

    /// <summary>Links that are not pages to read: downloads, the API, streams, signing out, and the families' own links.</summary>
    private static readonly string[] NotPages = ["/signout", "/api/", "/openapi", "/scalar", "format=", "/content", "/download", ".ics", "/health", "/family", "/join"];

    public static TheoryData<string> Roles => ["admin", "slt", "dsl", "teacher", "unfamiliar teacher"];

    /// <summary>
    /// A school with a call that ran (its record and recording), one to come, and concerns of both
    /// kinds; a page signed in as <paramref name="role"/>, and how to sign it in again.
    /// </summary>
    private async Task<(IPage Page, Func<Task> SignInAgain)> SignedInAsync(string role)
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
        Task SignIn() => role switch
        {
            "slt" => SignInWithTwoFactorsAsync(page, app, school.SltEmail, TestSchool.Password),
            "dsl" => SignInWithTwoFactorsAsync(page, app, school.DslEmail, TestSchool.Password),
            _ => SignInAsync(page, role switch { "admin" => school.AdminEmail, "teacher" => school.TeacherEmail, _ => school.UnfamiliarTeacherEmail }, TestSchool.Password),
        };
        await SignIn();
        return (page, SignIn);
    }

    /// <summary>Follows every link from the start page, breadth first, up to <see cref="MostPages"/>, calling <paramref name="onPage"/> on each page that answered; returns how many were visited.</summary>
    private async Task<int> CrawlAsync(IPage page, List<string> problems, Func<string, Task> onPage)
    {
        var origin = new Uri(page.Url).GetLeftPart(UriPartial.Authority);
        var seen = new HashSet<string>(StringComparer.Ordinal) { "/" };
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>(["/"]);
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
            var links = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href)");
            await onPage(path);
            foreach (var link in links)
            {
                if (!link.StartsWith(origin + "/", StringComparison.Ordinal))
                {
                    continue;
                }
                var local = link[origin.Length..].Split('#')[0];
                if (local.Length > 0 && !NotPages.Any(n => local.Contains(n, StringComparison.Ordinal)) && seen.Add(local)
                    && (kinds[KindOf(local)] = kinds.GetValueOrDefault(KindOf(local)) + 1) <= MostOfAKind)
                {
                    queue.Enqueue(local);
                }
            }
        }
        return visited;
    }

    [Fact]
    public async Task ThePagesBeforeSigningInBreakNoAccessibilityRule()
    {
        var page = await browser.NewPageAsync();
        foreach (var path in new[] { "/signin", "/account/forgotten-password", "/account/reset-password?user=x&token=y" })
        {
            await page.GotoAsync(path);
            Assert.Empty(await AccessibilityViolationsAsync(page));
            await AssertEveryControlIsLabelledAsync(page);
        }
        // With the errors a person sees after a mistake.
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToBeVisibleAsync(new() { Timeout = Ms });
        Assert.Empty(await AccessibilityViolationsAsync(page));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryPageARoleReachesAnswersAndPassesTheBasicChecks(string role)
    {
        var (page, _) = await SignedInAsync(role);
        var problems = new List<string>();

        var visited = await CrawlAsync(page, problems, async path =>
        {
            try
            {
                await AssertEveryControlIsLabelledAsync(page);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                problems.Add($"{path}: {e.Message}");
            }
            foreach (var violation in await AccessibilityViolationsAsync(page))
            {
                problems.Add($"{path}: {violation}");
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
        });

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The crawl reached the menus' pages, not only the start.
        Assert.True(visited >= 8, $"only {visited} pages reached from / as the {role}");
    }

    /// <summary>What a hostile or careless person types: markup, quotes, control and right-to-left characters, and far too much of it.</summary>
    private const string Hostile = "<script>alert('x')</script>\"'; DROP TABLE \"Sessions\"; --\u0000\u202e\ud83d\ude00";

    /// <summary>
    /// Every form on every page a role reaches, sent with hostile values in each field a person types
    /// into (and impossible dates, times and numbers, and a choice no list offers), as the browser
    /// would send it with the page's antiforgery token: never an error of the server's, and the markup
    /// never comes back unescaped.
    /// </summary>
    [Theory]
    [InlineData("admin")]
    [InlineData("dsl")]
    [InlineData("teacher")]
    public async Task EveryFormARoleReachesRefusesHostileInputWithoutAServerError(string role)
    {
        var (page, signInAgain) = await SignedInAsync(role);
        var problems = new List<string>();
        var sent = 0;
        // Forms about the signer's own account (a new one-time password, ending their access) are left alone: they would sign the crawl out.
        var me = (await (await page.Context.APIRequest.GetAsync("/api/v1/auth/me")).JsonAsync())!.Value.GetProperty("id").GetString()!;
        var tried = new HashSet<string>(StringComparer.Ordinal);

        await CrawlAsync(page, problems, async path =>
        {
            var forms = await page.EvaluateAsync<FormShape[]>("""
                () => [...document.forms].map(f => ({
                  action: new URL(f.getAttribute('action') || location.href, location.href).href,
                  method: (f.getAttribute('method') || 'get').toLowerCase(),
                  fields: [...f.elements].filter(e => e.name).map(e => ({
                    name: e.name,
                    type: e.tagName === 'SELECT' ? 'select' : e.tagName === 'TEXTAREA' ? 'textarea' : (e.type || 'text'),
                    value: e.value ?? '',
                    checked: !!e.checked
                  }))
                }))
                """);
            foreach (var form in forms)
            {
                var key = form.Method + " " + new Uri(form.Action).AbsolutePath + " " + string.Join(",", form.Fields.Select(f => f.Name));
                if (form.Action.Contains("/signout", StringComparison.Ordinal) || form.Fields.Any(f => f.Value == me) || !tried.Add(key))
                {
                    continue;
                }
                var values = new List<KeyValuePair<string, string>>();
                foreach (var field in form.Fields)
                {
                    string? value = field.Type switch
                    {
                        "hidden" or "submit" or "button" => field.Value,
                        "checkbox" or "radio" => field.Checked ? field.Value : null,
                        "date" => "2026-02-31",
                        "time" => "25:61",
                        "number" => "1e999",
                        "file" => null,
                        "select" => "not-an-option" + Hostile,
                        "email" or "text" or "search" or "tel" or "url" or "password" or "textarea" => Hostile + new string('x', 5000),
                        _ => Hostile,
                    };
                    if (value is not null && (field.Type is not ("submit" or "button") || values.All(v => v.Key != field.Name)))
                    {
                        values.Add(new(field.Name, value));
                    }
                }
                IAPIResponse response;
                if (form.Method == "post")
                {
                    var data = page.Context.APIRequest.CreateFormData();
                    foreach (var (name, value) in values)
                    {
                        data.Append(name, value);
                    }
                    response = await page.Context.APIRequest.PostAsync(form.Action, new() { Form = data, MaxRedirects = 0, Timeout = Ms });
                }
                else
                {
                    var query = string.Join("&", values.Select(v => Uri.EscapeDataString(v.Key) + "=" + Uri.EscapeDataString(v.Value)));
                    response = await page.Context.APIRequest.GetAsync(form.Action.Split('?')[0] + "?" + query, new() { MaxRedirects = 0, Timeout = Ms });
                }
                sent++;
                if ((await page.Context.APIRequest.GetAsync("/api/v1/auth/me", new() { MaxRedirects = 0 })).Status != 200)
                {
                    // The form ended this sign-in (a security change): sign in again and go on.
                    output.WriteLine($"  signed out by {form.Method} {form.Action}");
                    await signInAgain();
                }
                output.WriteLine($"  {response.Status} {form.Method} {form.Action} [{string.Join(",", values.Select(v => v.Key))}]");
                if (response.Status >= 500)
                {
                    problems.Add($"{path}: {form.Method} {form.Action} answered {response.Status}");
                }
                else if ((await response.TextAsync()).Contains("<script>alert('x')</script>", StringComparison.Ordinal))
                {
                    problems.Add($"{path}: {form.Method} {form.Action} gave the markup back unescaped");
                }
            }
        });

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(sent >= 5, $"only {sent} forms sent as the {role}");
    }

    /// <summary>A form as the page holds it (read from the page, so with settable properties).</summary>
    private sealed class FormShape
    {
        public string Action { get; set; } = "";
        public string Method { get; set; } = "";
        public FieldShape[] Fields { get; set; } = [];
    }

    private sealed class FieldShape
    {
        public string Name { get; set; } = "";
        public string Type { get; set; } = "";
        public string Value { get; set; } = "";
        public bool Checked { get; set; }
    }
}
