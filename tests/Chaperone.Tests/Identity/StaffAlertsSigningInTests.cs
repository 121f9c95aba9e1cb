using System.Net;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Identity;

/// <summary>
/// The staff alerts' live connection opens on the pages of staff who may receive alerts, but not
/// while they must first choose their own password: the hub refuses them until then, and a page
/// retrying it every few seconds would only be refused again.
/// </summary>
public sealed class StaffAlertsSigningInTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task ThePasswordPageOfALeaderWhoMustChooseOneOpensNoAlertConnection()
    {
        var school = await TestSchool.CreateAsync(app);
        await app.WithDbAsync(db => db.Users.Where(u => u.Email == school.SltEmail).ExecuteUpdateAsync(u => u.SetProperty(x => x.MustChangePassword, true)));
        var leader = await app.SignInAsync(school.SltEmail, TestSchool.Password);

        var page = await leader.GetAsync("/account/password");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("/js/staff.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-staff-alerts", html, StringComparison.Ordinal);
        // The hub they are spared: refused until the password is theirs.
        Assert.Equal(HttpStatusCode.Forbidden, (await leader.PostAsync("/hubs/staff/negotiate?negotiateVersion=1", null)).StatusCode);

        // Another leader, signed in as they should be, has it on the same page.
        var dsl = await school.DslAsync(app);
        Assert.Contains("/js/staff.js", await dsl.GetStringAsync("/account/password"), StringComparison.Ordinal);
    }
}
