using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
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

/// <summary>A database transaction that may also hold the SQLite write turn; both end when it is disposed.</summary>
public sealed class WriteTransaction(IDbContextTransaction transaction, IDisposable? writeTurn) : IAsyncDisposable
{
    public Task CommitAsync(CancellationToken ct) => transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.DisposeAsync();
        }
        finally
        {
            writeTurn?.Dispose();
        }
    }
}
