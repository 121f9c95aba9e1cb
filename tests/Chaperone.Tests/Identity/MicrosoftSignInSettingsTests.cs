using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Identity;

/// <summary>Sign-in with Microsoft is off unless configured, and a half-made setting stops the app saying what to fix.</summary>
public sealed class MicrosoftSignInSettingsTests
{
    [Fact]
    public async Task WithoutAClientIdTheSignInPageOffersNoMicrosoftSignIn()
    {
        var app = new ChaperoneApp();
        await using var started = await app.StartOwnedAsync();

        var page = await app.CreateClient().GetStringAsync("/signin");

        Assert.Contains("Forgotten your password?", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in with Microsoft", page, StringComparison.Ordinal);
        var start = await app.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/signin/microsoft");
        Assert.Equal("/signin", start.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData(null, EntraOnLoopback.TenantId, null, "Entra:ClientSecret is not")]
    [InlineData(EntraOnLoopback.ClientSecret, "common", null, "Entra:TenantId must be the schools' directory (tenant) id, a GUID, or \"organizations\"")]
    [InlineData(EntraOnLoopback.ClientSecret, EntraOnLoopback.TenantId, "http://login.example.org/", "Entra:Instance is \"http://login.example.org/\"")]
    public async Task AHalfMadeSettingStopsTheAppSayingWhatToFix(string? secret, string tenant, string? instance, string expected)
    {
        var app = new ChaperoneApp();
        app.Settings["Entra:ClientId"] = EntraOnLoopback.ClientId;
        app.Settings["Entra:TenantId"] = tenant;
        if (secret is not null)
        {
            app.Settings["Entra:ClientSecret"] = secret;
        }
        if (instance is not null)
        {
            app.Settings["Entra:Instance"] = instance;
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(app.StartOwnedAsync);

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}

/// <summary>An admin unlinks a member of staff's Microsoft account through the API; only an admin, only in their school.</summary>
public sealed class MicrosoftLinkApiTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task AnAdminUnlinksAMicrosoftAccountAndTheMembersSignInsEnd()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // Linked as a first sign-in with Microsoft links it.
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Chaperone.People.StaffMember>>();
            var member = await users.FindByIdAsync(school.TeacherId.ToString());
            Assert.True((await users.AddLoginAsync(member!, new Microsoft.AspNetCore.Identity.UserLoginInfo(Chaperone.Identity.MicrosoftSignIn.Scheme, "object-id-1", "Microsoft"))).Succeeded);
        }
        using var admin = await school.AdminAsync(app);
        var staff = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/staff");
        Assert.True(staff.EnumerateArray().Single(s => s.GetProperty("id").GetString() == school.TeacherId.ToString()).GetProperty("microsoftLinked").GetBoolean());
        // Teachers cannot; another school's member is not found.
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await teacher.DeleteAsync($"/api/v1/staff/{school.TeacherId}/microsoft-link")).StatusCode);
        var other = await TestSchool.CreateAsync(app);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/staff/{other.TeacherId}/microsoft-link")).StatusCode);

        var unlinked = await admin.DeleteAsync($"/api/v1/staff/{school.TeacherId}/microsoft-link");

        Assert.Equal(System.Net.HttpStatusCode.OK, unlinked.StatusCode);
        Assert.False((await unlinked.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("microsoftLinked").GetBoolean());
        Assert.Equal(0, await app.WithDbAsync(db => db.UserLogins.CountAsync(l => l.UserId == school.TeacherId)));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);
        Assert.Equal(1, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == school.TeacherId.ToString() && e.Action == Chaperone.Audit.AuditActions.MicrosoftAccountUnlinked)));
    }
}

/// <summary>An admin names the school's own Microsoft directory through the API, where the installation lets schools have their own.</summary>
public sealed class MicrosoftDirectoryApiTests
{
    private static ChaperoneApp AppWith(string? tenant)
    {
        var app = new ChaperoneApp();
        if (tenant is not null)
        {
            app.Settings["Entra:ClientId"] = EntraOnLoopback.ClientId;
            app.Settings["Entra:ClientSecret"] = EntraOnLoopback.ClientSecret;
            app.Settings["Entra:TenantId"] = tenant;
        }
        return app;
    }

    [Fact]
    public async Task EachSchoolNamesItsOwnDirectoryOnlyAnAdminAndOnlyAGuidThatIsNotMicrosoftsPersonalAccounts()
    {
        var app = AppWith(Chaperone.Identity.MicrosoftSignIn.EachSchoolsDirectory);
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);
        using var teacher = await school.TeacherAsync(app);
        const string tenant = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

        var before = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/microsoft-sign-in");
        Assert.Equal("school", before.GetProperty("directory").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("tenantId").ValueKind);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await teacher.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = tenant })).StatusCode);

        foreach (var wrong in new[] { "roche.example.org", "9188040d-6c67-4c5b-b112-36a304b66dad", Guid.Empty.ToString(), new string('x', 5000) })
        {
            var refused = await admin.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = wrong });
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("tenantId", out _));
        }

        var saved = await admin.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = " " + tenant.ToUpperInvariant() + " " });

        Assert.Equal(System.Net.HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(tenant, (await saved.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("tenantId").GetString());
        Assert.Equal(Guid.Parse(tenant), await app.WithDbAsync(db => db.Schools.Where(s => s.Id == school.SchoolId).Select(s => s.MicrosoftTenantId).SingleAsync()));
        Assert.Null(await app.WithDbAsync(db => db.Schools.Where(s => s.Id == other.SchoolId).Select(s => s.MicrosoftTenantId).SingleAsync()));
        // Saving the same again notes nothing new; clearing it does.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = tenant })).StatusCode);
        var cleared = await admin.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = "" });
        Assert.Equal(System.Net.HttpStatusCode.OK, cleared.StatusCode);
        Assert.Null(await app.WithDbAsync(db => db.Schools.Where(s => s.Id == school.SchoolId).Select(s => s.MicrosoftTenantId).SingleAsync()));
        Assert.Equal(2, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == Chaperone.Audit.AuditActions.MicrosoftDirectorySet)));
    }

    [Theory]
    [InlineData(null, "off")]
    [InlineData(EntraOnLoopback.TenantId, "installation")]
    public async Task WhereTheInstallationDecidesTheDirectoryASchoolCannotNameOne(string? tenant, string directory)
    {
        var app = AppWith(tenant);
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);

        var setting = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/microsoft-sign-in");
        var refused = await admin.PutAsJsonAsync("/api/v1/microsoft-sign-in", new { tenantId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" });

        Assert.Equal(directory, setting.GetProperty("directory").GetString());
        Assert.Equal(tenant, setting.GetProperty("tenantId").GetString());
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Null(await app.WithDbAsync(db => db.Schools.Where(s => s.Id == school.SchoolId).Select(s => s.MicrosoftTenantId).SingleAsync()));
    }
}
