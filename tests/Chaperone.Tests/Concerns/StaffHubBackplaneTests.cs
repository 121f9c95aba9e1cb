using System.Net;
using Chaperone.Calls;
using Chaperone.Concerns;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Concerns;

/// <summary>
/// DESIGN, growing past one machine: the staff hub scaled out with SignalR's Redis backplane. Two
/// instances of one installation on one PostgreSQL database, with a real Redis server on loopback
/// (<c>test.sh</c> starts it): a concern raised on one instance reaches the DSL whose page is
/// connected to the other. Redis being unreachable loses no concern, and calls never go through it.
/// </summary>
public sealed class StaffHubBackplaneTests
{
    [Fact]
    public async Task AConcernRaisedOnOneInstanceReachesTheDslConnectedToAnother()
    {
        var first = new PostgresChaperoneApp();
        first.Settings[StaffHubBackplane.Setting] = ChaperoneApp.RedisConfiguration;
        await using var started = await first.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(first);
        var (dsl, _) = await LeadersAsync(first, school);
        await using var second = await first.AnotherInstanceAsync();
        await using var hub = await StaffHubClient.ConnectAsync(first, dsl);

        var raised = await RaiseAsync(await school.TeacherAsync(second), Safeguarding(school));
        var id = raised.GetProperty("id").GetString()!;

        var alert = await hub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id);
        Assert.Equal(raised.GetProperty("reference").GetString(), alert.GetProperty("reference").GetString());
        Assert.Equal($"/concerns/{id}", alert.GetProperty("url").GetString());
        // The staff hub goes through Redis; the call hub stays in process on both instances.
        foreach (var app in new ChaperoneApp[] { first, second })
        {
            Assert.IsType<RedisHubLifetimeManager<StaffHub>>(app.Services.GetRequiredService<HubLifetimeManager<StaffHub>>());
            Assert.IsType<DefaultHubLifetimeManager<CallHub>>(app.Services.GetRequiredService<HubLifetimeManager<CallHub>>());
        }
    }

    [Fact]
    public async Task WithRedisUnreachableAConcernIsStillRaisedAndReadAndTheFailedPushIsLogged()
    {
        var app = new ChaperoneApp();
        app.Settings[StaffHubBackplane.Setting] = $"127.0.0.1:{Loopback.UnusedPort()},connectTimeout=1000";
        await using var started = await app.StartOwnedAsync();
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);

        var raised = await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        var id = raised.GetProperty("id").GetString()!;

        var concern = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{id}"), HttpStatusCode.OK);
        Assert.Equal(raised.GetProperty("reference").GetString(), concern.GetProperty("reference").GetString());
        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("Could not push the alert", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARedisSettingThatIsNotAConfigurationStringStopsTheAppNamingIt()
    {
        var app = new ChaperoneApp();
        app.Settings[StaffHubBackplane.Setting] = "127.0.0.1:6379,notAnOption=yes";

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(app.StartOwnedAsync);

        Assert.Contains(StaffHubBackplane.Setting, refused.Message, StringComparison.Ordinal);
        Assert.Contains("notAnOption", refused.Message, StringComparison.Ordinal);
    }
}
