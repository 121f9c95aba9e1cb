using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// The group commit flushes its commits to SQLite's log and leaves copying the log into the
/// database file to <see cref="SqliteCheckpoints"/>, which runs beside the writes. Read from the
/// log's shared index (the <c>-shm</c> file): how many pages the log holds, and how many of them
/// have been copied back.
/// </summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    // Enough 3,000-byte rows to fill well over SQLite's own checkpoint threshold of 1,000 pages.
    private const string FillLog = """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
        INSERT INTO "Probe" ("Data") SELECT randomblob(3000) FROM n;
        """;

    private readonly TemporarySqliteFile _database = new("checkpoints.db");
    private readonly string _file;
    private readonly string _connectionString;

    public SqliteCheckpointTests()
    {
        _file = _database.Path;
        _connectionString = _database.ConnectionString;
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, """CREATE TABLE "Probe" ("Id" INTEGER PRIMARY KEY, "Data" BLOB NOT NULL);""");
    }

    [Fact]
    public async Task AGroupCommitDoesNotCheckpointInsideItsCommitAndTheCheckpointFollowsBesideIt()
    {
        await using var db = Context();
        await db.Database.OpenConnectionAsync();
        var commit = SqliteGroupCommit.For(db);

        await commit.RunAsync(db, async (store, ct) =>
        {
            await store.Database.ExecuteSqlRawAsync(FillLog, ct);
            return WriteDecision.Commit(0);
        }, CancellationToken.None);

        var (pages, copied) = Log();
        Assert.True(pages > 1000, $"the log holds {pages} pages");
        Assert.Equal(0u, copied);
        Assert.Equal(0, commit.Checkpoints.Completed);

        // The commits that follow ask for a checkpoint; it runs on its own connection.
        for (var i = 1; i < SqliteCheckpoints.CommitsPerCheckpoint; i++)
        {
            await commit.RunAsync(db, async (store, ct) =>
            {
                await store.Database.ExecuteSqlRawAsync("""INSERT INTO "Probe" ("Data") VALUES (x'00');""", ct);
                return WriteDecision.Commit(0);
            }, CancellationToken.None);
        }
        Assert.Equal(1, await FirstCheckpointAsync(commit.Checkpoints));
        (pages, copied) = Log();
        Assert.Equal(pages, copied);
        Assert.Equal(1500 + SqliteCheckpoints.CommitsPerCheckpoint - 1, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Probe" """).SingleAsync());
    }

    [Fact]
    public async Task AWriteTransactionDoesNotCheckpointInsideItsCommitAndCountsTowardsTheCheckpointBesideIt()
    {
        await using var db = Context();
        var checkpoints = SqliteCheckpoints.For(_connectionString);

        await using (var write = await WriteTransaction.BeginAsync(db, CancellationToken.None))
        {
            await db.Database.ExecuteSqlRawAsync(FillLog);
            await write.CommitAsync(CancellationToken.None);
        }

        var (pages, copied) = Log();
        Assert.True(pages > 1000, $"the log holds {pages} pages");
        Assert.Equal(0u, copied);
        for (var i = 1; i < SqliteCheckpoints.CommitsPerCheckpoint; i++)
        {
            await using var write = await WriteTransaction.BeginAsync(db, CancellationToken.None);
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "Probe" ("Data") VALUES (x'00');""");
            await write.CommitAsync(CancellationToken.None);
        }
        Assert.Equal(1, await FirstCheckpointAsync(checkpoints));
        (pages, copied) = Log();
        Assert.Equal(pages, copied);

        // The connection keeps SQLite's own checkpoints outside the write transaction.
        await db.Database.OpenConnectionAsync();
        await using var setting = db.Database.GetDbConnection().CreateCommand();
        setting.CommandText = "PRAGMA wal_autocheckpoint;";
        Assert.Equal(1000L, await setting.ExecuteScalarAsync());
    }

    [Fact]
    public void AConnectionCheckpointsInsideItsCommitsAgainOnceTheSuspensionEnds()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();

        using (SqliteCheckpoints.SuspendFor(connection))
        {
            Execute(connection, FillLog);
            Assert.Equal(0u, Log().Copied);
        }
        Execute(connection, """INSERT INTO "Probe" ("Data") VALUES (x'00');""");

        var (pages, copied) = Log();
        Assert.True(copied > 1000, $"{copied} of {pages} pages copied");
    }

    [Fact]
    public async Task ALongLogIsStartedAgainOnceNoReaderIsInItAndAShortOneIsLeftAsItIs()
    {
        var checkpoints = SqliteCheckpoints.For(_connectionString);
        checkpoints.RestartAtPages = 1000;
        using var writer = new SqliteConnection(_connectionString);
        writer.Open();
        using var suspended = SqliteCheckpoints.SuspendFor(writer);
        Task<long> CheckpointAsync()
        {
            var before = checkpoints.Completed;
            for (var i = 0; i < SqliteCheckpoints.CommitsPerCheckpoint; i++)
            {
                checkpoints.Committed();
            }
            return CheckpointsAsync(checkpoints, before + 1);
        }
        void Write() => Execute(writer, """INSERT INTO "Probe" ("Data") VALUES (x'00');""");

        // A reader still in the log keeps it: the checkpoint copies it all, tries to restart it, and leaves it.
        Execute(writer, FillLog);
        using (var reader = new SqliteConnection(_connectionString))
        {
            reader.Open();
            using var snapshot = reader.BeginTransaction(deferred: true);
            using (var read = reader.CreateCommand())
            {
                read.CommandText = """SELECT COUNT(*) FROM "Probe";""";
                Assert.Equal(1500L, read.ExecuteScalar());
            }
            Assert.Equal(1, await CheckpointAsync());
            Assert.Equal(0, checkpoints.Restarted);
            var (pages, copied) = Log();
            Assert.True(pages > 1000, $"the log holds {pages} pages");
            Assert.Equal(pages, copied);
            Write();
            Assert.Equal(pages + 1, Log().Pages);
        }

        // Once no reader is in it, the next checkpoint restarts it: the next write goes to its beginning.
        Assert.Equal(2, await CheckpointAsync());
        Assert.Equal(1, checkpoints.Restarted);
        Write();
        Assert.Equal(1u, Log().Pages);

        // A short log is copied, and not restarted.
        Assert.Equal(3, await CheckpointAsync());
        Assert.Equal(1, checkpoints.Restarted);
        Assert.Equal((1u, 1u), Log());
        using var count = writer.CreateCommand();
        count.CommandText = """SELECT COUNT(*) FROM "Probe";""";
        Assert.Equal(1502L, count.ExecuteScalar());
    }

    /// <summary>Waits (at most 10 s) until <paramref name="count"/> checkpoints have run beside the writes; answers how many have run.</summary>
    private static async Task<long> CheckpointsAsync(SqliteCheckpoints checkpoints, long count)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (checkpoints.Completed < count && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        return checkpoints.Completed;
    }

    /// <summary>Waits (at most 10 s) for the checkpoint asked for to have run beside the writes; answers how many have run.</summary>
    private static async Task<long> FirstCheckpointAsync(SqliteCheckpoints checkpoints)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (checkpoints.Completed == 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        return checkpoints.Completed;
    }

    private SqliteChaperoneDbContext Context() =>
        new(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite(_connectionString).Options);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// From the log's shared index: the pages in the log (mxFrame, at byte 16 of its header) and
    /// how many have been copied into the database file (nBackfill, at byte 96), in the machine's byte order.
    /// </summary>
    private (uint Pages, uint Copied) Log()
    {
        using var shm = new FileStream(_file + "-shm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[136];
        shm.ReadExactly(header);
        return (BitConverter.ToUInt32(header, 16), BitConverter.ToUInt32(header, 96));
    }

    public void Dispose() => _database.Dispose();
}
