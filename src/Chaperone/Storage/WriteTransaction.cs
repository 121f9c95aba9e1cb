using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// SQLite lets one connection write at a time, and its .NET driver waits for a busy write lock by
/// putting the thread to sleep and retrying. Writers of this process therefore queue here, without
/// blocking threads, for the right to begin a write transaction on a database file; the database's
/// own lock still guards against other processes.
/// </summary>
public static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>Waits for this database's write turn on SQLite (null on other databases); dispose to give it up.</summary>
    public static async Task<IDisposable?> EnterAsync(DbContext db, CancellationToken ct) =>
        db.Database.IsSqlite() ? await EnterAsync(db.Database.GetConnectionString() ?? "", ct) : null;

    /// <summary>Waits for the write turn of the SQLite database <paramref name="connectionString"/> names; dispose to give it up.</summary>
    public static async Task<IDisposable> EnterAsync(string connectionString, CancellationToken ct)
    {
        var gate = Gates.GetOrAdd(connectionString, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}

/// <summary>
/// A write transaction that, on SQLite, holds this process's write turn (<see cref="SqliteWriteGate"/>)
/// until it is disposed. Its commit leaves copying the log into the database file to
/// <see cref="SqliteCheckpoints"/>, beside the writes, as the group commit's commits do: SQLite
/// would otherwise run that checkpoint inside any commit that leaves the log longer than 1,000
/// pages, which under a stream of bookings is nearly every one, and so flush the database file
/// while every other writer (the bookings' group commit among them) waits for the turn.
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly DatabaseFacade _database;
    private readonly IDbContextTransaction _transaction;
    private readonly IDisposable? _writeTurn;
    private readonly SqliteCheckpoints.Suspension? _ownCheckpoints;
    private readonly SqliteCheckpoints? _checkpoints;
    private bool _committed;

    private WriteTransaction(DatabaseFacade database, IDbContextTransaction transaction, IDisposable? writeTurn, SqliteCheckpoints.Suspension? ownCheckpoints, SqliteCheckpoints? checkpoints)
    {
        _database = database;
        _transaction = transaction;
        _writeTurn = writeTurn;
        _ownCheckpoints = ownCheckpoints;
        _checkpoints = checkpoints;
    }

    /// <summary>
    /// Inside a transaction, waits until no other transaction writing for <paramref name="key"/>
    /// is open, so that what it reads is what the last of them wrote: on PostgreSQL a
    /// transaction-scoped advisory lock on the key; on SQLite nothing, as its writers already take
    /// turns (<see cref="SqliteWriteGate"/>).
    /// </summary>
    public static async Task TakeTurnAsync(DbContext db, string key, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", ct);
        }
    }

    /// <summary>Waits for the write turn (on SQLite) and begins the transaction on <paramref name="db"/>.</summary>
    public static async Task<WriteTransaction> BeginAsync(ChaperoneDbContext db, CancellationToken ct)
    {
        var turn = await SqliteWriteGate.EnterAsync(db, ct);
        // Opened here (not by the transaction, which would close it at the commit), so that the
        // connection's own checkpoints can be put back before its handle returns to the pool.
        var opened = false;
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            opened = true;
            var transaction = await db.Database.BeginTransactionAsync(ct);
            if (turn is null)
            {
                return new WriteTransaction(db.Database, transaction, null, null, null);
            }
            var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
            return new WriteTransaction(db.Database, transaction, turn, SqliteCheckpoints.SuspendFor(connection), SqliteCheckpoints.For(db.Database.GetConnectionString() ?? ""));
        }
        catch
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
            turn?.Dispose();
            throw;
        }
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        await _transaction.CommitAsync(ct);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // SQLite's own checkpoints are put back while the connection is still open: closing it
            // returns its handle to the pool, for writers that keep them.
            _ownCheckpoints?.Dispose();
            await _transaction.DisposeAsync();
            await _database.CloseConnectionAsync();
        }
        finally
        {
            _writeTurn?.Dispose();
            if (_committed)
            {
                _checkpoints?.Committed();
            }
        }
    }
}
