using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Chaperone.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Where Chaperone keeps its files: the SQLite database, the mail folder, recordings and keys.</summary>
public sealed class DataDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public static DataDirectory From(IConfiguration configuration) => new(configuration["DataDirectory"] is { Length: > 0 } p ? p : "data");
}

public static class StorageSetup
{
    /// <summary>
    /// Registers the database chosen by <c>Database:Provider</c> (SQLite by default). Contexts are
    /// pooled: each request still gets a clean context, without building one from scratch.
    /// </summary>
    public static IServiceCollection AddChaperoneStorage(this IServiceCollection services, IConfiguration configuration, DataDirectory data)
    {
        var provider = ProviderFrom(configuration);
        var connectionString = configuration.GetConnectionString("Chaperone");
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Chaperone is not set.");
            }
            services.AddDbContextPool<ChaperoneDbContext, PostgresChaperoneDbContext>((sp, o) => o.UseNpgsql(PostgresConnectionString(connectionString),
                n => n.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter).UseQuerySplittingBehavior(CollectionsInOneQuery)).AddInterceptors(sp.GetRequiredService<Audit.AuditSaveInterceptor>()));
        }
        else
        {
            var sqlite = SqliteConnectionString(connectionString, data);
            // Each pooled context keeps its connection open and its statements compiled
            // (SqliteKeptConnections), so the pool is bounded to what a busy server has in use at once.
            // A migration that rebuilds a table (SQLite cannot alter a column) is given
            // "PRAGMA foreign_keys = 0" by EF itself, outside the transaction as SQLite requires, and
            // EF warns of that operation as if the migration had asked for it (efcore#35871). No
            // migration of ours runs anything outside its transaction (MigrationTests), so the
            // warning, at every new installation's first start, says nothing to act on.
            services.AddDbContextPool<ChaperoneDbContext, SqliteChaperoneDbContext>((sp, o) => o.UseSqlite(sqlite,
                q => q.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter).UseQuerySplittingBehavior(CollectionsInOneQuery))
                .AddInterceptors(sp.GetRequiredService<Audit.AuditSaveInterceptor>())
                .ConfigureWarnings(w => w.Log((RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Debug)))
                .KeepSqliteConnections(), SqliteContextPoolSize);
            // The group commit keeps a connection of its own open; it is closed when the app stops.
            services.AddHostedService(_ => new SqliteGroupCommitLifetime(sqlite));
        }
        return services;
    }

    /// <summary>
    /// Related collections (a session's pupils and guardians, a school's closures, a pupil's
    /// guardians) are loaded with their owner in one query: they are a handful of rows each, so
    /// the repeated owner columns cost less than a round trip per collection, and every such read
    /// sees one consistent state without needing a transaction.
    /// </summary>
    public const QuerySplittingBehavior CollectionsInOneQuery = QuerySplittingBehavior.SingleQuery;

    /// <summary>How many SQLite contexts, each with its connection open, the pool keeps between requests.</summary>
    public const int SqliteContextPoolSize = 32;

    public static DatabaseProvider ProviderFrom(IConfiguration configuration)
    {
        var value = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }
        return Enum.TryParse<DatabaseProvider>(value, ignoreCase: true, out var provider)
            ? provider
            : throw new InvalidOperationException($"Database:Provider '{value}' is not known; use Sqlite or Postgres.");
    }

    /// <summary>
    /// The most connections the app opens to PostgreSQL unless its connection string says: four per
    /// processor, at least eight. A request holds its connection between its round trips, so a few
    /// per processor keep the server busy; more only add server processes competing for the same
    /// processors. Measured on two processors with Npgsql's 100: a short stall let waiting bookings
    /// open dozens of new connections, each new server process slow at first (it loads its catalog
    /// caches and plans every statement before any is prepared); that load slowed the bookings
    /// holding their participants' locks, more arrived behind them, and bookings at half of what
    /// the server sustained took seconds until the load stopped. With eight, the same load was
    /// answered in milliseconds, and the server sustained more bookings, not fewer.
    /// </summary>
    internal static int DefaultMaxPoolSize => Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>
    /// The server setting, passed when a connection starts, that plans each prepared statement
    /// once for any values (<c>plan_cache_mode</c>). By default PostgreSQL plans a prepared
    /// statement again for every execution whenever it estimates that a plan for the particular
    /// values would be cheaper; for the booking's two queries (its people, and anyone already
    /// booked then) it did so two executions in three, and that planning took four times as long as
    /// running them. Chaperone's queries find rows by school, person and time through indexes, and
    /// none of its partial indexes depends on a value a query passes (only on a column being empty
    /// or not), so the one plan can use the same indexes for any values. Measured: PostgreSQL
    /// bookings a second nearly doubled, and the slot finder was as fast.
    /// </summary>
    internal const string GenericPlans = "-c plan_cache_mode=force_generic_plan";

    /// <summary>
    /// The configured PostgreSQL connection string, with these defaults unless it sets them itself:
    /// <list type="bullet">
    /// <item>automatic statement preparation: the same few queries run on every booking, and
    /// prepared statements spare the server planning them again each time;</item>
    /// <item>idle connections closed after 10 seconds (checked every 2), down to two kept open: the pool
    /// hands out its idle connections in turn, so after a burst every query would otherwise go
    /// to a server process that has been asleep, for five minutes (Npgsql's default); measured,
    /// a slot search took three times as long until then;</item>
    /// <item>at most <see cref="DefaultMaxPoolSize"/> connections (Npgsql's default is 100);</item>
    /// <item>generic plans for prepared statements (<see cref="GenericPlans"/>).</item>
    /// </list>
    /// </summary>
    internal static string PostgresConnectionString(string configured)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(configured);
        // The keys as written, without spaces or case, so that a setting is seen under any of its spellings.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured }.Keys
            .Cast<string>().Select(Plain).ToHashSet(StringComparer.Ordinal);
        bool Says(params string[] keys) => keys.Any(k => written.Contains(Plain(k)));

        if (!Says("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 64;
        }
        if (!Says("Connection Idle Lifetime") && !Says("Connection Pruning Interval"))
        {
            builder.ConnectionIdleLifetime = 10;
            builder.ConnectionPruningInterval = 2;
        }
        if (!Says("Maximum Pool Size", "MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }
        if (!Says("Options"))
        {
            builder.Options = GenericPlans;
        }
        if (!Says("Minimum Pool Size", "MinPoolSize"))
        {
            builder.MinPoolSize = Math.Min(2, builder.MaxPoolSize);
        }
        return builder.ConnectionString;

        static string Plain(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
    }

    internal static string SqliteConnectionString(string? configured, DataDirectory data)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        Directory.CreateDirectory(data.Path);
        return new SqliteConnectionStringBuilder
        {
            DataSource = data.Combine("chaperone.db"),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>Applies every pending migration. SQLite is also switched to write-ahead logging (durable, concurrent readers).</summary>
    public static async Task MigrateAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        if (db.Database.IsSqlite())
        {
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file)) is { } dir)
            {
                Directory.CreateDirectory(dir);
            }
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        else
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
    }
}

/// <summary>Closes the connection the SQLite group commit keeps open when the app stops.</summary>
internal sealed class SqliteGroupCommitLifetime(string connectionString) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => SqliteGroupCommit.CloseAsync(connectionString);
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite context without starting the app.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteChaperoneDbContext>
{
    public SqliteChaperoneDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL context without starting the app (no connection is opened).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresChaperoneDbContext>
{
    public PostgresChaperoneDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresChaperoneDbContext>().UseNpgsql("Host=localhost;Database=chaperone").Options);
}
