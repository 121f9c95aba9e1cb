using System.Net;
using Chaperone.Concerns;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Xunit;

namespace Chaperone.Tests.Infrastructure;

/// <summary>The health endpoints a load balancer polls: open without signing in, and saying nothing but the status.</summary>
public abstract class HealthTests(ChaperoneApp app)
{
    [Fact]
    public async Task AnInstanceOnAMigratedDatabaseIsLiveAndReadyToAnyone()
    {
        var client = Api.AnonymousClient(app);

        Assert.Equal("Healthy", await HealthAsync(client, Health.LivePath, HttpStatusCode.OK));
        Assert.Equal("Healthy", await HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
    }

    internal static async Task<string> HealthAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}

public sealed class HealthOnSqlite(ChaperoneApp app) : HealthTests(app), IClassFixture<ChaperoneApp>;

public sealed class HealthOnPostgres(PostgresChaperoneApp app) : HealthTests(app), IClassFixture<PostgresChaperoneApp>;

/// <summary>Readiness against what an instance depends on: the database and its migrations, and the Redis server of live alerts.</summary>
public sealed class HealthReadinessTests
{
    [Fact]
    public async Task AnInstanceStartedBeforeTheMigrationsIsLiveButNotReadyUntilTheyAreApplied()
    {
        var app = new PostgresChaperoneApp();
        app.Settings["Database:MigrateOnStart"] = "false";
        app.Settings["Demo:Seed"] = "false";
        await using var started = await app.StartOwnedAsync();
        var client = Api.AnonymousClient(app);
        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.LivePath, HttpStatusCode.OK));
        Assert.Equal("Unhealthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.ServiceUnavailable));

        await app.Services.MigrateAsync();

        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
    }

    [Fact]
    public async Task RedisUnreachableLeavesTheInstanceReadyButDegraded()
    {
        var app = new ChaperoneApp();
        app.Settings[StaffHubBackplane.Setting] = $"127.0.0.1:{Loopback.UnusedPort()},connectTimeout=1000";
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Degraded", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }

    [Fact]
    public async Task RedisReachableLeavesTheInstanceHealthy()
    {
        var app = new ChaperoneApp();
        app.Settings[StaffHubBackplane.Setting] = ChaperoneApp.RedisConfiguration;
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Healthy", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }
}
