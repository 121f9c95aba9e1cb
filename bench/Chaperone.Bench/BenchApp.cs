using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Chaperone.Bench;

public enum BenchDb
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The real app, built as Program builds it (<c>AddChaperone</c>, <c>PrepareAsync</c>,
/// <c>UseChaperone</c>), served by Kestrel on a free loopback port, on the database under test.
/// Only the clock is replaced: a fixed "now" so that every booking is far enough ahead.
/// </summary>
public sealed class BenchApp : IAsyncDisposable
{
    /// <summary>Monday 30 November 2026, 08:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly string? _postgresAdmin;
    private readonly string? _postgresDatabase;

    private BenchApp(WebApplication app, BenchDb db, Uri address, string connectionString, string dataDirectory, string? postgresAdmin, string? postgresDatabase)
    {
        _app = app;
        Db = db;
        Address = address;
        ConnectionString = connectionString;
        DataDirectory = dataDirectory;
        _postgresAdmin = postgresAdmin;
        _postgresDatabase = postgresDatabase;
    }

    public BenchDb Db { get; }
    public Uri Address { get; }
    public string ConnectionString { get; }
    public string DataDirectory { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<BenchApp> StartAsync(BenchDb db, string workDirectory, string? postgresAdmin, DateTimeOffset? now = null, Action<WebApplication>? map = null, IReadOnlyDictionary<string, string?>? extraSettings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Path.Combine(workDirectory, $"{db.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDirectory);
        string? database = null;
        var settings = new Dictionary<string, string?>
        {
            ["DataDirectory"] = dataDirectory,
            ["Database:Provider"] = db.ToString(),
            ["Database:MigrateOnStart"] = "true",
        };
        if (db == BenchDb.Postgres)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(postgresAdmin);
            database = "chaperone_bench_" + Guid.NewGuid().ToString("N");
            await using (var admin = new NpgsqlConnection(postgresAdmin))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
                await create.ExecuteNonQueryAsync();
            }
            settings["ConnectionStrings:Chaperone"] = new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = database }.ToString();
        }
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Chaperone.Infrastructure.AppSetup).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(now ?? Now));
        builder.AddChaperone();
        services?.Invoke(builder.Services);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        await app.PrepareAsync();
        app.UseChaperone();
        map?.Invoke(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        string connectionString;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            connectionString = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>().Database.GetConnectionString()!;
        }
        return new BenchApp(app, db, new Uri(address), connectionString, dataDirectory, postgresAdmin, database);
    }

    /// <summary>
    /// Lets the database finish what its own background work would do after the bursts of writes
    /// before it (so a latency measured next is the app's, not that catch-up's): on PostgreSQL a
    /// checkpoint and <c>VACUUM (ANALYZE)</c>, which its checkpointer and autovacuum would run; on
    /// SQLite a checkpoint of the whole log. Returns what was done and how long it took.
    /// </summary>
    public async Task<string> SettleAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (Db == BenchDb.Postgres)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            foreach (var sql in new[] { "CHECKPOINT", "VACUUM (ANALYZE)" })
            {
                await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
                await command.ExecuteNonQueryAsync();
            }
            return $"CHECKPOINT and VACUUM (ANALYZE) in {clock.Elapsed.TotalSeconds:0.0} s";
        }
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync();
        }
        return $"PRAGMA wal_checkpoint(TRUNCATE) in {clock.Elapsed.TotalSeconds:0.0} s";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        if (_postgresDatabase is not null)
        {
            await using var admin = new NpgsqlConnection(_postgresAdmin);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            if (Environment.GetEnvironmentVariable("CHAPERONE_BENCH_KEEP") == "1")
            {
                return;
            }
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the run script, which removes its whole work directory.
        }
    }
}
