using System.Data.Common;
using System.Diagnostics;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Chaperone.Bench;

public sealed record RawResult(int Inserts, double Seconds, string Durability)
{
    public double PerSecond => Inserts / Seconds;
}

/// <summary>
/// The baseline: one narrow row per transaction (BEGIN; INSERT; COMMIT) on a single connection,
/// with plain ADO.NET, into the same database file or server as the app, with the same durability.
/// </summary>
public static class RawInserts
{
    /// <summary>What the app's own connections report about durability, for the results.</summary>
    public static async Task<string> AppDurabilityAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            return await DescribeAsync(db.Database.GetDbConnection());
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<string> DescribeAsync(DbConnection connection)
    {
        if (connection is SqliteConnection)
        {
            var journal = await ScalarAsync(connection, "PRAGMA journal_mode");
            var synchronous = await ScalarAsync(connection, "PRAGMA synchronous");
            var name = synchronous switch { "0" => "OFF", "1" => "NORMAL", "2" => "FULL", "3" => "EXTRA", _ => synchronous };
            return $"journal_mode={journal}, synchronous={name}";
        }
        var fsync = await ScalarAsync(connection, "SHOW fsync");
        var commit = await ScalarAsync(connection, "SHOW synchronous_commit");
        var fullPages = await ScalarAsync(connection, "SHOW full_page_writes");
        return $"fsync={fsync}, synchronous_commit={commit}, full_page_writes={fullPages}";
    }

    public static void RequireDurable(string durability)
    {
        var durable = durability.Contains("synchronous=FULL", StringComparison.Ordinal) || durability.Contains("synchronous=EXTRA", StringComparison.Ordinal)
            || (durability.Contains("fsync=on", StringComparison.Ordinal) && durability.Contains("synchronous_commit=on", StringComparison.Ordinal));
        if (!durable)
        {
            throw new InvalidOperationException($"Commits are not durable ({durability}); the figures would mean nothing.");
        }
    }

    /// <summary>
    /// The app's PostgreSQL connection string (so the same server settings and durability) with a
    /// pool large enough for every inserter to hold its connection at once: the app's own pool
    /// may be smaller than the benchmark's number of clients.
    /// </summary>
    private static string WithPoolFor(string connectionString, int connections)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, connections);
        return builder.ConnectionString;
    }

    /// <summary>
    /// Inserts from <paramref name="connections"/> connections at once, each one row per
    /// transaction, for up to <paramref name="maxTime"/> after <paramref name="warmup"/> rows each.
    /// </summary>
    public static async Task<RawResult> RunAsync(BenchDb db, string connectionString, int warmup, int maxInserts, TimeSpan maxTime, int connections = 1)
    {
        var inserters = new List<Func<long, Task>>();
        var open = new List<DbConnection>();
        string? durability = null;
        try
        {
            for (var i = 0; i < connections; i++)
            {
                DbConnection connection = db == BenchDb.Sqlite ? new SqliteConnection(connectionString) : new NpgsqlConnection(WithPoolFor(connectionString, connections));
                open.Add(connection);
                await connection.OpenAsync();
                var described = await DescribeAsync(connection);
                RequireDurable(described);
                durability ??= described;
                inserters.Add(await InserterAsync(db, connection));
            }
            for (var i = 0; i < warmup; i++)
            {
                await Task.WhenAll(inserters.Select(insert => insert(i)));
            }
            var clock = Stopwatch.StartNew();
            var count = 0;
            var next = 0L;
            async Task Loop(Func<long, Task> insert)
            {
                while (clock.Elapsed < maxTime && Interlocked.Increment(ref next) <= maxInserts)
                {
                    await insert(next);
                    Interlocked.Increment(ref count);
                }
            }
            await Task.WhenAll(inserters.Select(insert => Task.Run(() => Loop(insert))));
            var seconds = clock.Elapsed.TotalSeconds;
            return new RawResult(count, seconds, durability!);
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A prepared insert on one connection: BEGIN, INSERT one narrow row, COMMIT.</summary>
    private static async Task<Func<long, Task>> InserterAsync(BenchDb db, DbConnection connection)
    {
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = db == BenchDb.Sqlite
                ? "CREATE TABLE IF NOT EXISTS bench_raw_insert (id INTEGER PRIMARY KEY, school_id TEXT NOT NULL, at INTEGER NOT NULL, note TEXT NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS bench_raw_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, school_id uuid NOT NULL, at timestamptz NOT NULL, note text NOT NULL)";
            await create.ExecuteNonQueryAsync();
        }

        var insert = connection.CreateCommand();
        insert.CommandText = db == BenchDb.Sqlite
            ? "INSERT INTO bench_raw_insert (school_id, at, note) VALUES ($school, $at, $note)"
            : "INSERT INTO bench_raw_insert (school_id, at, note) VALUES ($1, $2, $3)";
        var school = Guid.NewGuid();
        DbParameter Parameter(string name, object value)
        {
            var p = insert.CreateParameter();
            if (db == BenchDb.Sqlite)
            {
                p.ParameterName = name;
            }
            p.Value = value;
            insert.Parameters.Add(p);
            return p;
        }
        Parameter("$school", db == BenchDb.Sqlite ? school.ToString() : school);
        var at = Parameter("$at", db == BenchDb.Sqlite ? 0L : DateTimeOffset.UtcNow);
        Parameter("$note", "one narrow row per transaction");
        await insert.PrepareAsync();

        return async n =>
        {
            await using var transaction = await connection.BeginTransactionAsync();
            insert.Transaction = transaction;
            at.Value = db == BenchDb.Sqlite ? n : DateTimeOffset.UnixEpoch.AddTicks(n);
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        };
    }

    private static async Task<string> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
