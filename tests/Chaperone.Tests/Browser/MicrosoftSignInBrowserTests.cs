using System.Text.RegularExpressions;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.Tests.Identity;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>The app with sign-in with Microsoft turned on, against the stand-in Entra ID on loopback.</summary>
public sealed class MicrosoftSignInBrowserApp : BrowserApp, IAsyncLifetime
{
    public MicrosoftSignInBrowserApp() : this(new KestrelChaperoneApp()) { }

    private MicrosoftSignInBrowserApp(KestrelChaperoneApp app) : base(app)
    {
        Entra = EntraOnLoopback.Start(() => app.Clock.GetUtcNow());
        app.Settings["Entra:ClientId"] = EntraOnLoopback.ClientId;
        app.Settings["Entra:ClientSecret"] = EntraOnLoopback.ClientSecret;
        app.Settings["Entra:TenantId"] = EntraOnLoopback.TenantId;
        app.Settings["Entra:Instance"] = Entra.Instance;
    }

    public EntraOnLoopback Entra { get; }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Entra.DisposeAsync();
    }
}

/// <summary>Staff sign in with their school's Microsoft account: linked on first use, found by the link after, refused when it should be, and the second factor still asked of those who have one.</summary>
public sealed class MicrosoftSignInBrowserTests(MicrosoftSignInBrowserApp browser) : IClassFixture<MicrosoftSignInBrowserApp>
{
    private static readonly float Ms = BrowserSteps.Ms;

    private ChaperoneApp App => browser.App;

    private static string NewObjectId() => Guid.NewGuid().ToString("D");

    /// <summary>From the sign-in page, through Microsoft (the stand-in signs in <see cref="EntraOnLoopback.Next"/>), back to Chaperone.</summary>
    private async Task<IPage> SignInWithMicrosoftAsync(EntraOnLoopback.Account? who)
    {
        browser.Entra.Next = who;
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Microsoft" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    private Task<List<(string Action, string? Details)>> TrailOfAsync(Guid schoolId, Guid staffId) => App.WithDbAsync(async db =>
        (await db.AuditEntries.Where(e => e.SchoolId == schoolId && e.SubjectId == staffId.ToString("D")).OrderBy(e => e.Id)
            .Select(e => new { e.Action, e.Details }).ToListAsync()).Select(e => (e.Action, e.Details)).ToList());

    private Task<Guid> StaffIdAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return App.WithDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync());
    }

    [Fact]
    public async Task ATeacherSignsInWithTheirSchoolsMicrosoftAccountLinkedOnFirstUseAndFoundByTheLinkAfterARename()
    {
        var school = await TestSchool.CreateAsync(App);
        var account = new EntraOnLoopback.Account(NewObjectId(), school.TeacherEmail.ToUpperInvariant(), "Tess Teacher");

        var page = await SignInWithMicrosoftAsync(account);

        await page.WaitForURLAsync(new Regex("/sessions$"), new() { Timeout = Ms });
        var teacherId = await StaffIdAsync(school.TeacherEmail);
        var trail = await TrailOfAsync(school.SchoolId, teacherId);
        Assert.Contains(trail, e => e.Action == AuditActions.MicrosoftAccountLinked);
        Assert.Contains(trail, e => e.Action == AuditActions.SignedIn && e.Details!.Contains("\"Microsoft\"", StringComparison.Ordinal));
        Assert.NotEmpty(browser.Entra.Issued);

        // The directory renames the account: its object id still finds the Chaperone account it was linked to.
        var renamed = await SignInWithMicrosoftAsync(account with { Username = "tess.renamed@directory.example" });
        await renamed.WaitForURLAsync(new Regex("/sessions$"), new() { Timeout = Ms });
        Assert.Single(await TrailOfAsync(school.SchoolId, teacherId), e => e.Action == AuditActions.MicrosoftAccountLinked);

        // The admin unlinks it on the People page: the teacher's sign-in ends, and the renamed account no longer finds them.
        var teacherName = await App.WithDbAsync(db => db.Users.Where(u => u.Id == teacherId).Select(u => u.Name).SingleAsync());
        var admin = await browser.NewPageAsync();
        await BrowserSteps.SignInAsync(admin, school.AdminEmail, TestSchool.Password);
        await admin.GotoAsync("/admin/people");
        var row = admin.Locator("tr", new() { Has = admin.GetByRole(AriaRole.Rowheader, new() { Name = teacherName, Exact = true }) });
        await Assertions.Expect(row.Locator("[data-access]")).ToContainTextAsync("Microsoft account linked");
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Unlink Microsoft account of {teacherName}" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".notice-success")).ToContainTextAsync("Microsoft account is unlinked", new() { Timeout = Ms });
        await Assertions.Expect(row.Locator("[data-access]")).Not.ToContainTextAsync("Microsoft", new() { Timeout = Ms });
        await renamed.GotoAsync("/sessions");
        await renamed.WaitForURLAsync(new Regex("/signin"), new() { Timeout = Ms });
        var unlinked = await SignInWithMicrosoftAsync(account with { Username = "tess.renamed@directory.example" });
        await Assertions.Expect(unlinked.Locator("#refused")).ToContainTextAsync("There is no Chaperone account for tess.renamed@directory.example", new() { Timeout = Ms });
    }

    [Fact]
    public async Task NoAccountALeaverAnotherTenantAndACancelledSignInAreEachRefusedSayingWhy()
    {
        var school = await TestSchool.CreateAsync(App);

        var unknown = await SignInWithMicrosoftAsync(new(NewObjectId(), "nobody@directory.example", "Nobody"));
        await Assertions.Expect(unknown.Locator("#refused")).ToContainTextAsync("There is no Chaperone account for nobody@directory.example", new() { Timeout = Ms });

        // Linked while still at the school; then their access ends, and the link no longer signs them in.
        var leaver = new EntraOnLoopback.Account(NewObjectId(), school.OtherTeacherEmail, "Leaving Teacher");
        await (await SignInWithMicrosoftAsync(leaver)).WaitForURLAsync(new Regex("/sessions$"), new() { Timeout = Ms });
        await App.WithDbAsync(db => db.Users.Where(u => u.Id == school.OtherTeacherId).ExecuteUpdateAsync(u => u.SetProperty(m => m.AccessEndedAt, App.Clock.GetUtcNow())));
        var refused = await SignInWithMicrosoftAsync(leaver);
        await Assertions.Expect(refused.Locator("#refused")).ToContainTextAsync("There is no Chaperone account", new() { Timeout = Ms });
        Assert.Contains(await TrailOfAsync(school.SchoolId, school.OtherTeacherId),
            e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("access ended", StringComparison.Ordinal));

        // Another directory cannot vouch for the school's addresses: its token fails the issuer check.
        var stranger = await SignInWithMicrosoftAsync(new(NewObjectId(), school.TeacherEmail, "Impostor", Tenant: "99999999-0000-0000-0000-000000000001"));
        await stranger.WaitForURLAsync(new Regex("/signin\\?microsoft=failed$"), new() { Timeout = Ms });
        await Assertions.Expect(stranger.Locator(".error-summary")).ToContainTextAsync(MicrosoftSignIn.NotFinished, new() { Timeout = Ms });
        Assert.DoesNotContain(await TrailOfAsync(school.SchoolId, await StaffIdAsync(school.TeacherEmail)), e => e.Action == AuditActions.MicrosoftAccountLinked);

        var cancelled = await SignInWithMicrosoftAsync(null);
        await cancelled.WaitForURLAsync(new Regex("/signin\\?microsoft=failed$"), new() { Timeout = Ms });
        await BrowserSteps.AssertEveryControlIsLabelledAsync(cancelled);
    }

    [Fact]
    public async Task TheDslIsAskedForTheirAuthenticatorCodeAfterMicrosoftAndThenReadsConcerns()
    {
        const string dsl = "dsl@demo.school";

        var page = await SignInWithMicrosoftAsync(new(NewObjectId(), dsl, "Dee Dsl"));

        await Assertions.Expect(page.GetByLabel("Code from your authenticator app")).ToBeVisibleAsync(new() { Timeout = Ms });
        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode(dsl, ChaperoneApp.DemoTotpSecret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/sessions$"), new() { Timeout = Ms });
        var concerns = await page.GotoAsync("/concerns");
        Assert.Equal(200, concerns!.Status);
        Assert.EndsWith("/concerns", page.Url, StringComparison.Ordinal);
        var dslId = await StaffIdAsync(dsl);
        var schoolId = await App.WithDbAsync(db => db.Users.Where(u => u.Id == dslId).Select(u => u.SchoolId).SingleAsync());
        Assert.Contains(await TrailOfAsync(schoolId, dslId),
            e => e.Action == AuditActions.SignedIn && e.Details!.Contains("Microsoft and authenticator code", StringComparison.Ordinal));
    }
}
