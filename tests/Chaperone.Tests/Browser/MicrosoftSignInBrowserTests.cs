using System.Text.RegularExpressions;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.Tests.Identity;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>The app with sign-in with Microsoft turned on for a directory setting (<c>Entra:TenantId</c>), against the stand-in Entra ID on loopback.</summary>
public abstract class EntraBrowserApp : BrowserApp, IAsyncLifetime
{
    protected EntraBrowserApp(string tenant) : this(new KestrelChaperoneApp(), tenant) { }

    private EntraBrowserApp(KestrelChaperoneApp app, string tenant) : base(app)
    {
        Entra = EntraOnLoopback.Start(() => app.Clock.GetUtcNow());
        app.Settings["Entra:ClientId"] = EntraOnLoopback.ClientId;
        app.Settings["Entra:ClientSecret"] = EntraOnLoopback.ClientSecret;
        app.Settings["Entra:TenantId"] = tenant;
        app.Settings["Entra:Instance"] = Entra.Instance;
    }

    public EntraOnLoopback Entra { get; }

    /// <summary>From the sign-in page, through Microsoft (the stand-in signs in <paramref name="who"/>; null cancels), back to Chaperone.</summary>
    public async Task<IPage> SignInWithMicrosoftAsync(EntraOnLoopback.Account? who)
    {
        Entra.Next = who;
        var page = await NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Microsoft" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Entra.DisposeAsync();
    }
}

/// <summary>The app signing in with one directory for the installation.</summary>
public sealed class MicrosoftSignInBrowserApp() : EntraBrowserApp(EntraOnLoopback.TenantId);

/// <summary>Staff sign in with their school's Microsoft account: linked on first use, found by the link after, refused when it should be, and the second factor still asked of those who have one.</summary>
public sealed class MicrosoftSignInBrowserTests(MicrosoftSignInBrowserApp browser) : IClassFixture<MicrosoftSignInBrowserApp>
{
    private static readonly float Ms = BrowserSteps.Ms;

    private ChaperoneApp App => browser.App;

    private static string NewObjectId() => Guid.NewGuid().ToString("D");

    private Task<IPage> SignInWithMicrosoftAsync(EntraOnLoopback.Account? who) => browser.SignInWithMicrosoftAsync(who);

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

        await page.WaitForPageAsync(new Regex("/sessions$"));
        var teacherId = await StaffIdAsync(school.TeacherEmail);
        var trail = await TrailOfAsync(school.SchoolId, teacherId);
        Assert.Contains(trail, e => e.Action == AuditActions.MicrosoftAccountLinked);
        Assert.Contains(trail, e => e.Action == AuditActions.SignedIn && e.Details!.Contains("\"Microsoft\"", StringComparison.Ordinal));
        Assert.NotEmpty(browser.Entra.Issued);
        // Microsoft is asked to let whoever is at the computer choose the account.
        Assert.Equal("select_account", browser.Entra.Authorizations.Last()["prompt"].ToString());

        // The directory renames the account: its object id still finds the Chaperone account it was linked to.
        var renamed = await SignInWithMicrosoftAsync(account with { Username = "tess.renamed@directory.example" });
        await renamed.WaitForPageAsync(new Regex("/sessions$"));
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
        await renamed.WaitForPageAsync(new Regex("/signin"));
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
        await (await SignInWithMicrosoftAsync(leaver)).WaitForPageAsync(new Regex("/sessions$"));
        await App.WithDbAsync(db => db.Users.Where(u => u.Id == school.OtherTeacherId).ExecuteUpdateAsync(u => u.SetProperty(m => m.AccessEndedAt, App.Clock.GetUtcNow())));
        var refused = await SignInWithMicrosoftAsync(leaver);
        await Assertions.Expect(refused.Locator("#refused")).ToContainTextAsync("There is no Chaperone account", new() { Timeout = Ms });
        Assert.Contains(await TrailOfAsync(school.SchoolId, school.OtherTeacherId),
            e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("access ended", StringComparison.Ordinal));

        // Another directory cannot vouch for the school's addresses: its token fails the issuer check.
        var stranger = await SignInWithMicrosoftAsync(new(NewObjectId(), school.TeacherEmail, "Impostor", Tenant: "99999999-0000-0000-0000-000000000001"));
        await stranger.WaitForPageAsync(new Regex("/signin\\?microsoft=failed$"));
        await Assertions.Expect(stranger.Locator(".error-summary")).ToContainTextAsync(MicrosoftSignIn.NotFinished, new() { Timeout = Ms });
        Assert.DoesNotContain(await TrailOfAsync(school.SchoolId, await StaffIdAsync(school.TeacherEmail)), e => e.Action == AuditActions.MicrosoftAccountLinked);

        var cancelled = await SignInWithMicrosoftAsync(null);
        await cancelled.WaitForPageAsync(new Regex("/signin\\?microsoft=failed$"));
        await BrowserSteps.AssertEveryControlIsLabelledAsync(cancelled);
    }

    [Fact]
    public async Task AOneTimePasswordAnAdminSetIsWithdrawnWhenItsHolderSignsInWithMicrosoftInstead()
    {
        var school = await TestSchool.CreateAsync(App);
        using var admin = await school.AdminAsync(App);
        var reset = await admin.PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null);
        var oneTime = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(reset.Content)).GetProperty("initialPassword").GetString()!;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await App.CreateClient().PostAsync("/api/v1/auth/login",
            System.Net.Http.Json.JsonContent.Create(new { email = school.OtherTeacherEmail, password = oneTime }))).StatusCode);

        var page = await SignInWithMicrosoftAsync(new(NewObjectId(), school.OtherTeacherEmail, "Olly Other"));

        // Straight on: no password to choose first, and the one the admin handed over no longer signs in.
        await page.WaitForPageAsync(new Regex("/sessions$"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsync("/api/v1/auth/login",
            System.Net.Http.Json.JsonContent.Create(new { email = school.OtherTeacherEmail, password = oneTime }))).StatusCode);
        Assert.Contains(await TrailOfAsync(school.SchoolId, school.OtherTeacherId), e => e.Action == AuditActions.OneTimePasswordWithdrawn);
        Assert.False(await App.WithDbAsync(db => db.Users.Where(u => u.Id == school.OtherTeacherId).Select(u => u.MustChangePassword).SingleAsync()));
    }

    [Fact]
    public async Task SigningOutOfASignInMadeWithMicrosoftOffersToSignOutOfMicrosoftTooAndAPasswordSignInDoesNot()
    {
        var school = await TestSchool.CreateAsync(App);
        var page = await SignInWithMicrosoftAsync(new(NewObjectId(), school.TeacherEmail, "Tess Teacher"));
        await page.WaitForPageAsync(new Regex("/sessions$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();

        await page.WaitForPageAsync(new Regex("/signin\\?microsoft=signed-out$"));
        var offer = page.Locator("[data-microsoft-sign-out]");
        await Assertions.Expect(offer).ToContainTextAsync("still signed in to your Microsoft account", new() { Timeout = Ms });
        await BrowserSteps.AssertEveryControlIsLabelledAsync(page);
        var signOutsBefore = browser.Entra.SignOuts.Count;
        await offer.GetByRole(AriaRole.Button, new() { Name = "Sign out of Microsoft too" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/signin$"));
        await Assertions.Expect(page.Locator(".notice-success")).ToContainTextAsync("signed out of Chaperone and of Microsoft", new() { Timeout = Ms });
        Assert.Equal(signOutsBefore + 1, browser.Entra.SignOuts.Count);
        Assert.EndsWith(MicrosoftSignIn.SignedOutCallbackPath, browser.Entra.SignOuts.Last(), StringComparison.Ordinal);
        await page.GotoAsync("/sessions");
        await page.WaitForPageAsync(new Regex("/signin"));

        var withPassword = await browser.NewPageAsync();
        await BrowserSteps.SignInAsync(withPassword, school.OtherTeacherEmail, TestSchool.Password);
        await withPassword.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await withPassword.WaitForPageAsync(new Regex("/signin$"));
        await Assertions.Expect(withPassword.Locator("[data-microsoft-sign-out]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TheDslIsAskedForTheirAuthenticatorCodeAfterMicrosoftAndThenReadsConcerns()
    {
        const string dsl = "dsl@demo.school";

        var page = await SignInWithMicrosoftAsync(new(NewObjectId(), dsl, "Dee Dsl"));

        await Assertions.Expect(page.GetByLabel("Code from your authenticator app")).ToBeVisibleAsync(new() { Timeout = Ms });
        await page.GetByLabel("Code from your authenticator app").FillAsync(App.NextTotpCode(dsl, ChaperoneApp.DemoTotpSecret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.WaitForPageAsync(new Regex("/sessions$"));
        var concerns = await page.GotoAsync("/concerns");
        Assert.Equal(200, concerns!.Status);
        Assert.EndsWith("/concerns", page.Url, StringComparison.Ordinal);
        var dslId = await StaffIdAsync(dsl);
        var schoolId = await App.WithDbAsync(db => db.Users.Where(u => u.Id == dslId).Select(u => u.SchoolId).SingleAsync());
        Assert.Contains(await TrailOfAsync(schoolId, dslId),
            e => e.Action == AuditActions.SignedIn && e.Details!.Contains("Microsoft and authenticator code", StringComparison.Ordinal));
    }
}

/// <summary>The app serving schools that each have their own Microsoft directory (<c>Entra:TenantId=organizations</c>).</summary>
public sealed class MicrosoftSignInEachSchoolBrowserApp() : EntraBrowserApp(MicrosoftSignIn.EachSchoolsDirectory);

/// <summary>
/// A trust's installation where each school signs in with its own Microsoft directory: the admin names
/// it, and only its accounts sign in to the school's, on every sign-in.
/// </summary>
public sealed class MicrosoftSignInEachSchoolBrowserTests(MicrosoftSignInEachSchoolBrowserApp browser) : IClassFixture<MicrosoftSignInEachSchoolBrowserApp>
{
    private static readonly float Ms = BrowserSteps.Ms;

    private const string RocheDirectory = "11111111-2222-4333-8444-555555555555";
    private const string OtherDirectory = "66666666-7777-4888-9999-aaaaaaaaaaaa";

    private ChaperoneApp App => browser.App;

    private Task<IPage> SignInWithMicrosoftAsync(EntraOnLoopback.Account who) => browser.SignInWithMicrosoftAsync(who);

    [Fact]
    public async Task TheAdminNamesTheSchoolsDirectoryAndOnlyItsAccountsSignInToTheSchoolOnEverySignIn()
    {
        var school = await TestSchool.CreateAsync(App);
        var elsewhere = await TestSchool.CreateAsync(App, s => s.MicrosoftTenantId = Guid.Parse(OtherDirectory));
        var teacher = new EntraOnLoopback.Account(Guid.NewGuid().ToString("D"), school.TeacherEmail, "Tess Teacher", Tenant: RocheDirectory);

        // Before the admin names a directory, nobody signs in to the school with Microsoft.
        var early = await SignInWithMicrosoftAsync(teacher);
        await Assertions.Expect(early.Locator("#refused")).ToContainTextAsync("that signs in with this Microsoft directory", new() { Timeout = Ms });

        // The admin names it on the Teams page; a wrong one says what to fix.
        var admin = await browser.NewPageAsync();
        await BrowserSteps.SignInAsync(admin, school.AdminEmail, TestSchool.Password);
        await admin.GotoAsync("/admin/teams");
        var directory = admin.GetByLabel("The school's Microsoft directory (tenant) id");
        await directory.FillAsync("roche.example.org");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the directory" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".error-summary")).ToContainTextAsync("Give the directory (tenant) id as the Microsoft Entra admin centre shows it", new() { Timeout = Ms });
        await BrowserSteps.AssertEveryControlIsLabelledAsync(admin);
        await admin.GetByLabel("The school's Microsoft directory (tenant) id").FillAsync(RocheDirectory);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the directory" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".notice-success")).ToContainTextAsync("accounts in this Microsoft directory", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("The school's Microsoft directory (tenant) id")).ToHaveValueAsync(RocheDirectory);

        // Its account signs in and is linked; an account of the school's address in another directory is not.
        var signedIn = await SignInWithMicrosoftAsync(teacher);
        await signedIn.WaitForPageAsync(new Regex("/sessions$"));
        var strangerForOtherTeacher = await SignInWithMicrosoftAsync(new(Guid.NewGuid().ToString("D"), school.OtherTeacherEmail, "Impostor", Tenant: OtherDirectory));
        await Assertions.Expect(strangerForOtherTeacher.Locator("#refused")).ToContainTextAsync("that signs in with this Microsoft directory", new() { Timeout = Ms });
        // The school's directory cannot vouch for another school's accounts.
        var intoElsewhere = await SignInWithMicrosoftAsync(new(Guid.NewGuid().ToString("D"), elsewhere.TeacherEmail, "Reaching", Tenant: RocheDirectory));
        await Assertions.Expect(intoElsewhere.Locator("#refused")).ToContainTextAsync("that signs in with this Microsoft directory", new() { Timeout = Ms });
        // A token from one tenant under another tenant's issuer fails its check.
        var forged = await SignInWithMicrosoftAsync(new(Guid.NewGuid().ToString("D"), school.OtherTeacherEmail, "Forged", Tenant: RocheDirectory, IssuerTenant: OtherDirectory));
        await forged.WaitForPageAsync(new Regex("/signin\\?microsoft=failed$"));

        var linked = await App.WithDbAsync(db => db.UserLogins.Where(l => l.LoginProvider == MicrosoftSignIn.Scheme)
            .Join(db.Users, l => l.UserId, u => u.Id, (l, u) => u.Email).ToListAsync());
        Assert.Contains(school.TeacherEmail, linked);
        Assert.DoesNotContain(school.OtherTeacherEmail, linked);
        Assert.DoesNotContain(elsewhere.TeacherEmail, linked);
        Assert.Equal(1, await App.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.MicrosoftDirectorySet)));

        // The school moves to another directory: the account linked from the old one no longer signs in.
        await admin.GetByLabel("The school's Microsoft directory (tenant) id").FillAsync(OtherDirectory);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the directory" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".notice-success")).ToContainTextAsync("accounts in this Microsoft directory", new() { Timeout = Ms });
        var moved = await SignInWithMicrosoftAsync(teacher);
        await Assertions.Expect(moved.Locator("#refused")).ToContainTextAsync("that signs in with this Microsoft directory", new() { Timeout = Ms });
        var teacherId = school.TeacherId.ToString("D");
        Assert.Contains(await App.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == teacherId && e.Action == AuditActions.SignInFailed).Select(e => e.Details).ToListAsync()),
            d => d!.Contains("\"reason\":\"not the school", StringComparison.Ordinal));
    }
}
