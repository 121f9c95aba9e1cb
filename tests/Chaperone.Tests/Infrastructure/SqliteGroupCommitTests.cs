using System.Data;
using System.Data.Common;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// The SQLite group commit runs every batch on a connection of its own that stays open, and keeps
/// the statements it runs again and again compiled there (<see cref="SqliteStatements"/>), until
/// it is closed.
/// </summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private const string Insert = """INSERT INTO "Probe" ("Data") VALUES (x'01');""";

    private readonly TemporarySqliteFile _file = new("group.db");
    private readonly string _connectionString;

    public SqliteGroupCommitTests()
    {
        _connectionString = _file.ConnectionString;
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """PRAGMA journal_mode=WAL; CREATE TABLE "Probe" ("Id" INTEGER PRIMARY KEY, "Data" BLOB NOT NULL);""";
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task BatchesRunOnOneConnectionOfTheirOwnWithTheirStatementsKeptCompiledUntilItCloses()
    {
        await using var db = Context();
        var commit = SqliteGroupCommit.For(db);
        var seen = new List<DbConnection>();

        for (var i = 0; i < 3; i++)
        {
            await WriteAsync(commit, db, seen);
        }
        var own = Assert.Single(seen.Distinct());
        Assert.NotSame(db.Database.GetDbConnection(), own);
        Assert.Equal(ConnectionState.Open, own.State);
        // Its savepoints' journals stay in memory (2: MEMORY), not in temporary files.
        await using (var temp = own.CreateCommand())
        {
            temp.CommandText = "PRAGMA temp_store;";
            Assert.Equal(2L, await temp.ExecuteScalarAsync());
        }
        Assert.True(commit.IsOpen);
        var statements = Assert.IsType<SqliteStatements>(SqliteStatements.For(own));
        var kept = statements.Count;
        Assert.True(kept >= 2, $"{kept} statements kept (the savepoint and its release at least)");

        // Another batch of the same writes compiles nothing new.
        await WriteAsync(commit, db, seen);
        Assert.Equal(kept, statements.Count);

        await SqliteGroupCommit.CloseAsync(_connectionString);
        Assert.False(commit.IsOpen);
        Assert.Equal(ConnectionState.Closed, own.State);
        Assert.Null(SqliteStatements.For(own));

        // Used again, it opens a connection anew; every write is there.
        await WriteAsync(commit, db, seen);
        Assert.NotSame(own, seen[^1]);
        Assert.Equal(5, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Probe" """).SingleAsync());
    }

    [Fact]
    public async Task AWriteThatFailsIsUndoneByTheKeptSavepointCommandsAndTheNextOneIsSaved()
    {
        await using var db = Context();
        var commit = SqliteGroupCommit.For(db);

        var failure = await Assert.ThrowsAsync<SqliteException>(() => commit.RunAsync(db, async (store, ct) =>
        {
            await store.Database.ExecuteSqlRawAsync(Insert, ct);
            await store.Database.ExecuteSqlRawAsync("""INSERT INTO "Nowhere" VALUES (1);""", ct);
            return WriteDecision.Commit(0);
        }, CancellationToken.None));
        await WriteAsync(commit, db, []);

        Assert.Contains("Nowhere", failure.Message);
        Assert.Equal(1, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Probe" """).SingleAsync());
    }

    [Fact]
    public async Task AKeptCommandIsTheSameForTheSameTextAndBeyondTheCapacityTheOneUsedLongestAgoIsDropped()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        var statements = SqliteStatements.Keep(connection);

        var first = statements.Rent("SELECT 1;", null);
        // While it is rented, a second caller gets a command of its own.
        var meanwhile = statements.Rent("SELECT 1;", null);
        Assert.NotSame(first, meanwhile);
        statements.Return(meanwhile);
        statements.Return(first);
        Assert.True(statements.SettleAndCheckIdle());
        Assert.Same(first, statements.Rent("SELECT 1;", null));
        statements.Return(first);

        var oldest = statements.Rent("SELECT 2;", null);
        statements.Return(oldest);
        for (var i = statements.Count; i < SqliteStatements.Capacity; i++)
        {
            statements.Return(statements.Rent($"SELECT {i + 3};", null));
        }
        statements.Return(statements.Rent("SELECT 1;", null));
        var beyond = statements.Rent("SELECT 'beyond';", null);
        Assert.Equal("beyond", await beyond.ExecuteScalarAsync());
        statements.Return(beyond);

        Assert.Equal(SqliteStatements.Capacity, statements.Count);
        Assert.Same(beyond, statements.Rent("SELECT 'beyond';", null));
        Assert.Same(first, statements.Rent("SELECT 1;", null));
        Assert.NotSame(oldest, statements.Rent("SELECT 2;", null));
        SqliteStatements.Release(connection);
        Assert.Null(SqliteStatements.For(connection));
    }

    private static Task<int> WriteAsync(SqliteGroupCommit commit, ChaperoneDbContext db, List<DbConnection> seen) =>
        commit.RunAsync(db, async (store, ct) =>
        {
            seen.Add(store.Database.GetDbConnection());
            await store.Database.ExecuteSqlRawAsync(Insert, ct);
            return WriteDecision.Commit(0);
        }, CancellationToken.None);

    private SqliteChaperoneDbContext Context() =>
        new(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite(_connectionString).Options);

    public void Dispose() => _file.Dispose();
}
