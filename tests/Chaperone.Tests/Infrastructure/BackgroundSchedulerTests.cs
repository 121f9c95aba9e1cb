using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// Background work (the outbox worker) runs on a thread of its own at a lower priority, and stays
/// there across its awaits; a group commit it joins is still led from the thread pool, so that the
/// bookings in the same batch never wait behind the background's priority.
/// </summary>
public sealed class BackgroundSchedulerTests : IDisposable
{
    private readonly TemporarySqliteFile _file = new("background.db");

    [Fact]
    public async Task WorkAndItsContinuationsRunOnOneThreadWithAHigherNiceValue()
    {
        using var scheduler = new BackgroundScheduler("test background");
        var threads = new List<int>();
        var nice = new List<int>();

        await scheduler.RunAsync(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                nice.Add(ThreadNiceness());
                await Task.Delay(5);
                await Task.Yield();
            }
        }, CancellationToken.None);

        Assert.Equal(BackgroundScheduler.Niceness, scheduler.AppliedNiceness);
        Assert.Single(threads.Distinct());
        Assert.All(nice, n => Assert.Equal(BackgroundScheduler.Niceness, n));
        Assert.Equal(0, await Task.Run(ThreadNiceness));
    }

    [Fact]
    public async Task AGroupCommitJoinedFromBackgroundWorkIsLedFromTheThreadPool()
    {
        var connectionString = _file.ConnectionString;
        await using var db = new SqliteChaperoneDbContext(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite(connectionString).Options);
        await db.Database.ExecuteSqlRawAsync("""PRAGMA journal_mode=WAL; CREATE TABLE "Probe" ("Id" INTEGER PRIMARY KEY);""");
        using var scheduler = new BackgroundScheduler("test background");
        int background = 0, writer = 0, resumed = 0;
        bool writerOnBackground = true;

        await scheduler.RunAsync(async () =>
        {
            background = Environment.CurrentManagedThreadId;
            await SqliteGroupCommit.For(db).RunAsync(db, async (store, ct) =>
            {
                writer = Environment.CurrentManagedThreadId;
                writerOnBackground = BackgroundScheduler.IsCurrent;
                await store.Database.ExecuteSqlRawAsync("""INSERT INTO "Probe" DEFAULT VALUES;""", ct);
                return WriteDecision.Commit(0);
            }, CancellationToken.None);
            resumed = Environment.CurrentManagedThreadId;
        }, CancellationToken.None);

        Assert.False(writerOnBackground);
        Assert.NotEqual(background, writer);
        Assert.Equal(background, resumed);
        Assert.Equal(1, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Probe" """).SingleAsync());
    }

    [Fact]
    public async Task WorkQueuedAfterTheSchedulerIsDisposedStillRuns()
    {
        var scheduler = new BackgroundScheduler("test background");
        scheduler.Dispose();

        var ran = await Task.Factory.StartNew(() => true, CancellationToken.None, TaskCreationOptions.None, scheduler).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(ran);
    }

    /// <summary>The calling thread's nice value, field 19 of <c>/proc/thread-self/stat</c>.</summary>
    private static int ThreadNiceness()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _file.Dispose();
}
