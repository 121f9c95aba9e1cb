using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Chaperone.Tests.Infrastructure;

/// <summary>The defaults Chaperone adds to a configured PostgreSQL connection string, and that a configured value wins.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void AStringThatSaysNothingGetsPreparedStatementsAndQuickPruningOfIdleConnections()
    {
        var built = new NpgsqlConnectionStringBuilder(StorageSetup.PostgresConnectionString("Host=db;Database=chaperone;Username=app"));

        Assert.Equal((64, 10, 2, 2), (built.MaxAutoPrepare, built.ConnectionIdleLifetime, built.ConnectionPruningInterval, built.MinPoolSize));
        Assert.Equal(Math.Max(8, 4 * Environment.ProcessorCount), built.MaxPoolSize);
        Assert.True(built.MaxPoolSize < new NpgsqlConnectionStringBuilder().MaxPoolSize, "bounded below Npgsql's own default");
        Assert.Equal("-c plan_cache_mode=force_generic_plan", built.Options);
        Assert.Equal(("db", "chaperone", "app"), (built.Host, built.Database, built.Username));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;Connection Idle Lifetime=300;Minimum Pool Size=0;Maximum Pool Size=150;Options=-c search_path=school")]
    [InlineData("Host=db;MaxAutoPrepare=0;ConnectionIdleLifetime=300;MinPoolSize=0;MaxPoolSize=150;Options=-c search_path=school")]
    [InlineData("host=db;max auto prepare=0;connection idle lifetime=300;minimum pool size=0;maximum pool size=150;options=-c search_path=school")]
    public void WhatTheStringSaysIsKeptHoweverItIsSpelled(string configured)
    {
        var built = new NpgsqlConnectionStringBuilder(StorageSetup.PostgresConnectionString(configured));

        Assert.Equal((0, 300, 0, 150, "-c search_path=school"), (built.MaxAutoPrepare, built.ConnectionIdleLifetime, built.MinPoolSize, built.MaxPoolSize, built.Options));
        Assert.Equal(new NpgsqlConnectionStringBuilder().ConnectionPruningInterval, built.ConnectionPruningInterval);
    }
}

/// <summary>What the app's own connections to a real PostgreSQL server run with.</summary>
public sealed class PostgresConnectionSettingsTests(PostgresChaperoneApp app) : IClassFixture<PostgresChaperoneApp>
{
    [Fact]
    public async Task TheAppsConnectionsPlanEachPreparedStatementOnceForAnyValues()
    {
        var mode = await app.WithDbAsync(db => db.Database
            .SqlQueryRaw<string>("SELECT current_setting('plan_cache_mode') AS \"Value\"").SingleAsync());

        Assert.Equal("force_generic_plan", mode);
    }
}
