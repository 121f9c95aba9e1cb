using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// What a write decided: save what it added to the context and the new rows it gathered (in the
/// same transaction as its checks) and answer <see cref="Result"/>, or save nothing and answer it.
/// </summary>
public readonly record struct WriteDecision<T>(T Result, bool Save, RowWrite? Rows = null);

public static class WriteDecision
{
    /// <summary>Save what was added (and insert <paramref name="rows"/> first, if given), then answer <paramref name="result"/>.</summary>
    public static WriteDecision<T> Commit<T>(T result, RowWrite? rows = null) => new(result, true, rows);

    /// <summary>Save nothing; answer <paramref name="result"/>.</summary>
    public static WriteDecision<T> Discard<T>(T result) => new(result, false);

    /// <summary>Writes what <paramref name="decision"/> says to save: its rows, then the context's changes.</summary>
    public static async Task SaveAsync<T>(ChaperoneDbContext db, WriteDecision<T> decision, CancellationToken ct)
    {
        if (decision.Rows is { } rows)
        {
            await rows.ExecuteAsync(db, ct);
        }
        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct);
        }
    }
}

/// <summary>
/// A write whose checks (reads) and inserts must happen in one transaction: it gets the context
/// to read from and to add to; whatever it adds before deciding to save is saved together, so
/// another insert joins the transaction by being added there too.
/// </summary>
public delegate Task<WriteDecision<T>> TransactionalWrite<T>(ChaperoneDbContext store, CancellationToken ct);

/// <summary>
/// Group commit for SQLite. SQLite has one writer at a time and a durable commit costs a disk
/// flush; writes queued while one flush is under way are run one after another in the next
/// transaction, each inside its own savepoint, and committed by a single flush. A write that
/// fails or decides not to save rolls back to its savepoint and leaves the others alone; each
/// caller is answered only after the commit that holds its write has returned, so a saved write
/// is durable when its caller hears of it. Writes run in order, so each one's checks see every
/// earlier write of the batch (two bookings of the same person: the second sees the first).
/// </summary>
/// <remarks>
/// No thread of its own: the first caller to find nobody leading runs a batch, then hands the lead
/// to the next caller in the queue. Every batch runs on the group commit's own context and
/// connection, opened on first use and kept open (until <see cref="CloseAsync(string)"/>, when the
/// app stops), so that the statements it runs again and again stay compiled
/// (<see cref="SqliteStatements"/>) and its page cache stays warm. The batch also holds
/// <see cref="SqliteWriteGate"/>, so this process's other writers still take turns with it.
/// </remarks>
public sealed class SqliteGroupCommit
{
    /// <summary>At most this many writes share one commit, so that none waits too long behind the others.</summary>
    public const int MaxBatch = 64;

    private static readonly ConcurrentDictionary<string, SqliteGroupCommit> Databases = new(StringComparer.Ordinal);

    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _leading;

    // The batches' own context, with its connection kept open; used and changed only while the
    // write gate is held.
    private ChaperoneDbContext? _own;
    private SqliteCheckpoints.Suspension? _ownCheckpoints;
    private readonly string _connectionString;

    /// <summary>The group commit of this database file (one per connection string).</summary>
    public static SqliteGroupCommit For(DbContext db) => Databases.GetOrAdd(db.Database.GetConnectionString() ?? "", c => new SqliteGroupCommit(c));

    private SqliteGroupCommit(string connectionString)
    {
        _connectionString = connectionString;
        Checkpoints = SqliteCheckpoints.For(connectionString);
    }

    /// <summary>Closes the connection the group commit of <paramref name="connectionString"/> keeps open, if it has one (it opens another when next used).</summary>
    public static Task CloseAsync(string connectionString) =>
        Databases.TryGetValue(connectionString, out var commit) ? commit.CloseAsync() : Task.CompletedTask;

    /// <summary>Whether the group commit holds its own connection open now.</summary>
    public bool IsOpen => _own is not null;

    private async Task CloseAsync()
    {
        using (await SqliteWriteGate.EnterAsync(_connectionString, CancellationToken.None))
        {
            await DropOwnAsync();
        }
    }

    /// <summary>The batches' own context (made from the caller's options, so with the same interceptors), opened and keeping its statements.</summary>
    private async Task<ChaperoneDbContext> OwnAsync(ChaperoneDbContext caller)
    {
        if (_own is null)
        {
            var own = (ChaperoneDbContext)Activator.CreateInstance(caller.GetType(), caller.GetService<IDbContextOptions>())!;
            try
            {
                await own.Database.OpenConnectionAsync();
            }
            catch
            {
                await own.DisposeAsync();
                throw;
            }
            SqliteStatements.Keep(own.Database.GetDbConnection());
            // Each write runs in a savepoint, for which SQLite copies every page the write changes
            // into a statement journal; a booking changes more pages than the journal keeps in
            // memory by default, and the rest went to a temporary file, a system call a page,
            // in the one-at-a-time part. Kept in memory, it costs a copy.
            await SqliteStatements.ExecuteAsync(own.Database.GetDbConnection(), null, "PRAGMA temp_store = MEMORY;", static _ => { }, CancellationToken.None);
            // Its commits leave copying the log into the file to Checkpoints, beside the writes.
            _ownCheckpoints = SqliteCheckpoints.SuspendFor((SqliteConnection)own.Database.GetDbConnection());
            _own = own;
        }
        return _own;
    }

    private async Task DropOwnAsync()
    {
        if (_own is not { } own)
        {
            return;
        }
        _own = null;
        _ownCheckpoints?.Dispose();
        _ownCheckpoints = null;
        SqliteStatements.Release(own.Database.GetDbConnection());
        await own.DisposeAsync();
    }

    /// <summary>The checkpoints this database's group commit leaves to run beside its writes.</summary>
    public SqliteCheckpoints Checkpoints { get; }

    /// <summary>Runs <paramref name="write"/> in the next batch and answers once its batch is committed.</summary>
    public async Task<T> RunAsync<T>(ChaperoneDbContext db, TransactionalWrite<T> write, CancellationToken ct)
    {
        if (Infrastructure.BackgroundScheduler.IsCurrent)
        {
            // A batch led from background work would hold up every booking in it behind the
            // background's lower priority: the write queues, and leads if it must, from the thread pool.
            return await Task.Run(() => RunAsync(db, write, ct), CancellationToken.None);
        }
        var pending = new Pending<T>(write, ct);
        bool lead;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            lead = !_leading;
            _leading = true;
        }
        if (lead || await pending.Signal.Task)
        {
            await LeadAsync(db);
        }
        return pending.Outcome();
    }

    private async Task LeadAsync(ChaperoneDbContext db)
    {
        var batch = new List<Pending>();
        lock (_lock)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
            {
                batch.Add(next);
            }
        }
        try
        {
            await RunBatchAsync(db, batch);
        }
        catch (Exception e)
        {
            // Something beyond one write failed (the savepoint or the connection): no write of
            // this batch can be trusted to be saved.
            batch.ForEach(p => p.Fail(e));
        }
        finally
        {
            Pending? successor;
            lock (_lock)
            {
                _leading = _queue.TryPeek(out successor);
            }
            foreach (var pending in batch)
            {
                pending.Signal.TrySetResult(false);
            }
            successor?.Signal.TrySetResult(true);
        }
    }

    private async Task RunBatchAsync(ChaperoneDbContext caller, List<Pending> batch)
    {
        // The batch is shared: one caller giving up must not cancel the others' transaction.
        using var turn = await SqliteWriteGate.EnterAsync(_connectionString, CancellationToken.None);
        ChaperoneDbContext db;
        IDbContextTransaction transaction;
        try
        {
            db = await OwnAsync(caller);
            transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            batch.ForEach(p => p.Fail(e));
            await DropOwnAsync();
            return;
        }
        var savepoints = new Savepoints(db.Database.GetDbConnection(), transaction.GetDbTransaction());
        await using (transaction)
        {
            // Each write has a savepoint of ours already; SaveChanges need not make another.
            var autoSavepoints = db.Database.AutoSavepointsEnabled;
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                foreach (var pending in batch)
                {
                    await pending.RunAsync(db, savepoints);
                }
            }
            finally
            {
                db.Database.AutoSavepointsEnabled = autoSavepoints;
            }
            try
            {
                // The commit flushes the log; copying it into the file is left to SqliteCheckpoints
                // (the connection's own checkpoints are suspended while the group commit holds it).
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception e)
            {
                // Not saved after all; and the others' checks may have counted on what was. The
                // next batch starts on a new connection.
                batch.ForEach(p => p.Fail(e));
                await transaction.DisposeAsync();
                await DropOwnAsync();
                return;
            }
            Checkpoints.Committed();
            batch.ForEach(p => p.Settle());
        }
    }

    /// <summary>The savepoint each write runs inside, by commands kept compiled on the batches' connection.</summary>
    private sealed class Savepoints(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
    {
        public Task<int> CreateAsync() => RunAsync("""SAVEPOINT "write";""");

        public Task<int> ReleaseAsync() => RunAsync("""RELEASE SAVEPOINT "write";""");

        public async Task UndoAsync()
        {
            await RunAsync("""ROLLBACK TO SAVEPOINT "write";""");
            await ReleaseAsync();
        }

        private Task<int> RunAsync(string sql) => SqliteStatements.ExecuteAsync(connection, transaction, sql, static _ => { }, CancellationToken.None);
    }

    private abstract class Pending
    {
        private Exception? _error;

        /// <summary>True: lead the next batch (this write is in it); false: this write is finished.</summary>
        public TaskCompletionSource<bool> Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected abstract CancellationToken Cancellation { get; }

        /// <summary>Runs the write inside its savepoint, keeping what it saved unless it failed.</summary>
        public async Task RunAsync(ChaperoneDbContext db, Savepoints savepoints)
        {
            if (Cancellation.IsCancellationRequested)
            {
                Fail(new OperationCanceledException(Cancellation));
                return;
            }
            await savepoints.CreateAsync();
            try
            {
                if (await WriteAsync(db))
                {
                    await SaveAsync(db);
                    await savepoints.ReleaseAsync();
                    return;
                }
                await savepoints.UndoAsync();
            }
            catch (Exception e)
            {
                Fail(e);
                await savepoints.UndoAsync();
            }
            finally
            {
                // The next write starts from a clean context.
                db.ChangeTracker.Clear();
            }
        }

        /// <summary>Runs the caller's write and keeps its decision; true when it decided to save.</summary>
        protected abstract Task<bool> WriteAsync(ChaperoneDbContext db);

        /// <summary>Saves what the write decided to save.</summary>
        protected abstract Task SaveAsync(ChaperoneDbContext db);

        private bool _settled;

        /// <summary>The write failed, or its batch did; the first failure is the one reported.</summary>
        public void Fail(Exception e)
        {
            _error ??= e;
            _settled = true;
        }

        /// <summary>The batch holding this write is committed (or the write saved nothing).</summary>
        public void Settle() => _settled = true;

        protected void ThrowIfFailed()
        {
            if (_error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
            }
            if (!_settled)
            {
                throw new InvalidOperationException("A write was answered before its batch was committed.");
            }
        }
    }

    private sealed class Pending<T>(TransactionalWrite<T> write, CancellationToken ct) : Pending
    {
        private WriteDecision<T> _decision;

        protected override CancellationToken Cancellation => ct;

        protected override async Task<bool> WriteAsync(ChaperoneDbContext db)
        {
            _decision = await write(db, ct);
            return _decision.Save;
        }

        protected override Task SaveAsync(ChaperoneDbContext db) => WriteDecision.SaveAsync(db, _decision, ct);

        public T Outcome()
        {
            ThrowIfFailed();
            return _decision.Result;
        }
    }
}
