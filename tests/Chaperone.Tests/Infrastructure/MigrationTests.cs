using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// Every migration runs inside its transaction, so one that fails leaves the database as it was;
/// and a new installation's first start says nothing about migrations that would need acting on.
/// </summary>
public sealed class MigrationTests
{
    public static TheoryData<string> Providers => new() { "Sqlite", "Postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public void NoMigrationRunsAnythingOutsideItsTransaction(string provider)
    {
        using var db = Context(provider);
        var assembly = db.GetService<IMigrationsAssembly>();
        Assert.NotEmpty(assembly.Migrations);

        var outside = assembly.Migrations.Values
            .Select(type => assembly.CreateMigration(type, db.Database.ProviderName!))
            .SelectMany(m => m.UpOperations.Concat(m.DownOperations).OfType<SqlOperation>()
                .Where(o => o.SuppressTransaction)
                .Select(o => $"{m.GetType().Name}: {o.Sql}"))
            .ToList();

        Assert.Empty(outside);
    }

    [Fact]
    public void SomeSqliteMigrationRebuildsATableTheWayEfWarnsOf()
    {
        // The warning this app lowers is EF's own, about the PRAGMA it puts around a table's
        // rebuild; this shows the migrations still make one, so the lowered warning is the one meant.
        using var db = Context("Sqlite");
        var script = db.GetService<IMigrator>().GenerateScript();

        Assert.Contains("PRAGMA foreign_keys = 0;", script, StringComparison.Ordinal);
    }

    private static ChaperoneDbContext Context(string provider) => provider == "Sqlite"
        ? new SqliteChaperoneDbContext(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite("Data Source=:memory:").Options)
        : new PostgresChaperoneDbContext(new DbContextOptionsBuilder<PostgresChaperoneDbContext>().UseNpgsql("Host=127.0.0.1;Database=none").Options);
}

/// <summary>A new installation's first start migrates its database without a warning to act on.</summary>
public abstract class FirstStartTests(ChaperoneApp app)
{
    [Fact]
    public async Task AFreshDatabaseIsMigratedAtStartWithoutAWarning()
    {
        var pending = await app.WithDbAsync(async db => (await db.Database.GetPendingMigrationsAsync()).ToList());

        Assert.Empty(pending);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Migrations", StringComparison.Ordinal));
    }
}

public sealed class FirstStartOnSqlite(ChaperoneApp app) : FirstStartTests(app), IClassFixture<ChaperoneApp>;

public sealed class FirstStartOnPostgres(PostgresChaperoneApp app) : FirstStartTests(app), IClassFixture<PostgresChaperoneApp>;
