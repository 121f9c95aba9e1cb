using System.Data;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A pooled SQLite context keeps its connection open between requests and runs its queries on
/// statements kept compiled there (<see cref="SqliteKeptConnections"/>), without changing what
/// any query reads or writes, and without keeping anything a close would have cleaned up.
/// </summary>
public sealed class SqliteKeptConnectionsTests : IDisposable
{
    private readonly TemporarySqliteFile _file = new("kept.db");
    private readonly string _connectionString;
    private readonly ServiceProvider _services;

    public SqliteKeptConnectionsTests()
    {
        _connectionString = _file.ConnectionString;
        using (var connection = new SqliteConnection(_connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """PRAGMA journal_mode=WAL; CREATE TABLE "Probes" ("Id" INTEGER PRIMARY KEY AUTOINCREMENT, "Name" TEXT NOT NULL);""";
            command.ExecuteNonQuery();
        }
        _services = new ServiceCollection()
            .AddDbContextPool<ProbeContext>(o => o.UseSqlite(_connectionString).KeepSqliteConnections(), poolSize: 1)
            .BuildServiceProvider();
    }

    [Fact]
    public async Task APooledContextKeepsItsConnectionOpenAndRunsAQueryAgainWithoutCompilingIt()
    {
        await InScopeAsync(async db =>
        {
            db.Probes.AddRange(new Probe { Name = "Ada" }, new Probe { Name = "Grace" });
            await db.SaveChangesAsync();
        });
        SqliteConnection? first = null;
        int kept = 0;
        await InScopeAsync(async db =>
        {
            Assert.Equal("Ada", (await ByNameAsync(db, "Ada")).Name);
            first = (SqliteConnection)db.Database.GetDbConnection();
            kept = SqliteStatements.For(first)!.Count;
        });

        // The next request gets the same context from the pool: the connection is still open and
        // the same query, with another parameter, compiles nothing new.
        await InScopeAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            Assert.Same(first, connection);
            Assert.Equal(ConnectionState.Open, connection.State);
            Assert.Equal("Grace", (await ByNameAsync(db, "Grace")).Name);
            var statements = SqliteStatements.For(connection)!;
            Assert.Equal(kept, statements.Count);
            Assert.True(statements.SettleAndCheckIdle());
        });
        Assert.Equal(2, await CountElsewhereAsync());
    }

    [Fact]
    public async Task WritesInAndOutsideTransactionsAreCommittedAndSeenByOtherConnections()
    {
        await InScopeAsync(async db =>
        {
            db.Probes.Add(new Probe { Name = "outside" });
            await db.SaveChangesAsync();
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Probes.Add(new Probe { Name = "inside" });
            await db.SaveChangesAsync();
            Assert.Equal(1, await db.Probes.Where(p => p.Name == "inside").ExecuteUpdateAsync(s => s.SetProperty(p => p.Name, "inside, renamed")));
            await transaction.CommitAsync();
        });

        Assert.Equal(2, await CountElsewhereAsync());
        await InScopeAsync(async db => Assert.Equal(["inside, renamed", "outside"], await db.Probes.Select(p => p.Name).OrderBy(n => n).ToListAsync()));
    }

    [Fact]
    public async Task ATransactionLeftOpenIsRolledBackAndTheConnectionClosedWhenTheContextGoesBack()
    {
        SqliteConnection? connection = null;
        await InScopeAsync(async db =>
        {
            await db.Probes.CountAsync();
            connection = (SqliteConnection)db.Database.GetDbConnection();
            // Begun on the connection itself, out of EF's sight.
            var transaction = connection.BeginTransaction();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """INSERT INTO "Probes" ("Name") VALUES ('left open');""";
            await command.ExecuteNonQueryAsync();
        });

        Assert.Equal(ConnectionState.Closed, connection!.State);
        Assert.Null(SqliteStatements.For(connection));
        Assert.Equal(0, await CountElsewhereAsync());
        // The context opens it again, and keeps it, on its next query.
        await InScopeAsync(async db =>
        {
            Assert.Equal(0, await db.Probes.CountAsync());
            Assert.Equal(ConnectionState.Open, db.Database.GetDbConnection().State);
        });
    }

    [Fact]
    public async Task StatementsThatChangeTheSchemaAreCompiledAfreshEachTime()
    {
        // "DROP … IF EXISTS" compiled while the trigger is missing is a statement that does nothing;
        // kept, it would still do nothing once the trigger exists.
        const string drop = """DROP TRIGGER IF EXISTS "Probes_NoDelete";""";
        const string create = """CREATE TRIGGER "Probes_NoDelete" BEFORE DELETE ON "Probes" BEGIN SELECT RAISE(ABORT, 'kept'); END;""";
        await InScopeAsync(async db =>
        {
            for (var i = 0; i < 3; i++)
            {
                await db.Database.ExecuteSqlRawAsync(drop);
                await db.Database.ExecuteSqlRawAsync(create);
            }
            // Kept: only the look at the schema table that comes before each of them.
            Assert.Equal(1, SqliteStatements.For(db.Database.GetDbConnection())!.Count);
        });

        Assert.True(SqliteStatements.ChangesSchema("-- tagged\nPRAGMA foreign_keys = 0;"));
        Assert.True(SqliteStatements.ChangesSchema("""INSERT INTO "Probes" ("Name") VALUES ('a'); alter table "Probes" add "X" TEXT;"""));
        Assert.False(SqliteStatements.ChangesSchema("""SELECT "p"."Name" AS "CreatedBy" FROM "Probes" AS "p";"""));
    }

    [Fact]
    public async Task AContextSeesTheSchemaAnotherConnectionChanged()
    {
        const string drop = """DROP TRIGGER IF EXISTS "Probes_NoDelete";""";
        const string create = """CREATE TRIGGER "Probes_NoDelete" BEFORE DELETE ON "Probes" BEGIN SELECT RAISE(ABORT, 'kept'); END;""";
        await using var other = new SqliteConnection(_connectionString);
        await other.OpenAsync();
        await InScopeAsync(async db =>
        {
            await db.Probes.CountAsync();
            await db.Database.ExecuteSqlRawAsync(create);
        });
        for (var i = 0; i < 3; i++)
        {
            await using (var command = other.CreateCommand())
            {
                command.CommandText = drop;
                await command.ExecuteNonQueryAsync();
            }
            // The context's first statement creates it again: its connection, open all along, must
            // not go by the schema as it was before the other connection dropped the trigger.
            await InScopeAsync(db => db.Database.ExecuteSqlRawAsync(create));
            await using (var command = other.CreateCommand())
            {
                command.CommandText = drop;
                await command.ExecuteNonQueryAsync();
            }
            await InScopeAsync(async db =>
            {
                await db.Database.ExecuteSqlRawAsync(drop);
                await db.Database.ExecuteSqlRawAsync(create);
            });
        }
    }

    [Fact]
    public async Task AWriteWaitsInsideSqliteForAnotherConnectionsLockAndIsCommittedOnceItIsLetGo()
    {
        await using var holder = new SqliteConnection(_connectionString);
        await holder.OpenAsync();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = """BEGIN IMMEDIATE; INSERT INTO "Probes" ("Name") VALUES ('held');""";
            await begin.ExecuteNonQueryAsync();
        }

        // SQLite's own busy handler waits for the lock (tries again after 1, 2, 5 … ms), rather
        // than answering busy at once for the driver to sleep 150 ms a try.
        var write = Task.Run(() => InScopeAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            await using (var timeout = connection.CreateCommand())
            {
                timeout.CommandText = "PRAGMA busy_timeout;";
                Assert.Equal((long)SqliteKeptConnections.LockWaitMilliseconds, (long)(await timeout.ExecuteScalarAsync())!);
            }
            db.Probes.Add(new Probe { Name = "waited" });
            await db.SaveChangesAsync();
        }));
        await Task.Delay(50);
        Assert.False(write.IsCompleted, "The write did not wait for the lock.");
        await using (var commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            await commit.ExecuteNonQueryAsync();
        }

        await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, await CountElsewhereAsync());
    }

    [Fact]
    public async Task DisposingTheContextClosesItsConnection()
    {
        SqliteConnection connection;
        await using (var db = new ProbeContext(new DbContextOptionsBuilder<ProbeContext>().UseSqlite(_connectionString).KeepSqliteConnections().Options))
        {
            await db.Probes.CountAsync();
            connection = (SqliteConnection)db.Database.GetDbConnection();
            Assert.Equal(ConnectionState.Open, connection.State);
        }

        Assert.Equal(ConnectionState.Closed, connection.State);
        Assert.Null(SqliteStatements.For(connection));
    }

    private static Task<Probe> ByNameAsync(ProbeContext db, string name) => db.Probes.SingleAsync(p => p.Name == name);

    private async Task InScopeAsync(Func<ProbeContext, Task> use)
    {
        await using var scope = _services.CreateAsyncScope();
        await use(scope.ServiceProvider.GetRequiredService<ProbeContext>());
    }

    private async Task<long> CountElsewhereAsync()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "Probes";""";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose()
    {
        _services.Dispose();
        _file.Dispose();
    }

    public sealed class Probe
    {
        public int Id { get; set; }

        public string Name { get; set; } = "";
    }

    public sealed class ProbeContext(DbContextOptions<ProbeContext> options) : DbContext(options)
    {
        public DbSet<Probe> Probes => Set<Probe>();
    }
}
