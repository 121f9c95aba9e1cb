using Microsoft.Data.Sqlite;

namespace Chaperone.Storage;

/// <summary>
/// Checkpoints of a SQLite file that the group commit writes to, run beside the writes rather
/// than inside them. In write-ahead-log mode a commit appends its pages to the log; a checkpoint
/// copies them back into the database file and flushes it. SQLite normally runs one inside any
/// commit that leaves the log longer than 1,000 pages, and under a steady stream of bookings the
/// log is rarely reset, so that would be nearly every commit: a second flush inside the group
/// commit's one-at-a-time part, or inside another write transaction while it holds the write
/// turn. The group commit and the other write transactions (<see cref="WriteTransaction"/>)
/// therefore turn that off for their own commits (<see cref="SuspendFor"/>) and ask for a
/// checkpoint here every <see cref="CommitsPerCheckpoint"/> commits, which runs on its own
/// connection while the next writes go on (a passive checkpoint waits for no reader or writer).
/// </summary>
/// <remarks>
/// <para>A passive checkpoint copies the log back but never starts it again: SQLite restarts the
/// log from its beginning only when a writer finds it all copied and no reader still reading from
/// it, which under a steady stream of bookings and reads may not happen for hours, while the log
/// grows by every page written (863 MB in a minute of the booking benchmark). Once the log holds
/// <see cref="RestartAtPages"/> pages, the checkpoint therefore also restarts it: it tries (up to
/// <see cref="RestartTries"/> times) to copy what is left and have the next writer start the log
/// again from its beginning, which succeeds at a moment no reader is still in the log. Each try
/// holds this process's write turn (<see cref="SqliteWriteGate"/>) while it runs, a millisecond or
/// a few, so writers queue for it rather than meet SQLite's lock; if none succeeds, the next
/// checkpoint tries again. The log's file then stays about that long.</para>
/// Nothing about durability changes: a commit is flushed to the log before its callers hear of it,
/// and SQLite reads committed pages from the log until they are copied back. The rarer writes that
/// save directly, outside both (migrations, sign-in, staff's edits of people and settings, the
/// call hub's events, the Teams worker), keep SQLite's own checkpoints, and a try that meets one
/// of them waits in SQLite's busy handler a millisecond or so (<see cref="SqliteKeptConnections"/>).
/// </remarks>
public sealed class SqliteCheckpoints
{
    /// <summary>A checkpoint is asked for once this many commits (of the group commit and the other write transactions) have gone by.</summary>
    public const int CommitsPerCheckpoint = 16;

    /// <summary>How many times a checkpoint tries to restart a long log, a millisecond or more apart.</summary>
    public const int RestartTries = 100;

    /// <summary>SQLite's own threshold, in pages, put back once a group commit's commit is done.</summary>
    private const int SqliteDefaultPages = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SqliteCheckpoints> Databases = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly string _writeGate;
    private int _commits;
    private int _running;
    private long _completed;
    private long _restarted;

    /// <summary>The checkpoints of this database file (one per connection string), shared by the group commit and the other write transactions.</summary>
    public static SqliteCheckpoints For(string connectionString) => Databases.GetOrAdd(connectionString, c => new SqliteCheckpoints(c));

    private SqliteCheckpoints(string connectionString)
    {
        // Never creates the file: a checkpoint of a database that is gone has nothing to do.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        _writeGate = connectionString;
    }

    /// <summary>Checkpoints run so far (each copies whatever the log holds that the file does not, and restarts a long log or gives up trying).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Times a long log was restarted.</summary>
    public long Restarted => Interlocked.Read(ref _restarted);

    /// <summary>The log's length, in pages, from which a checkpoint also restarts it (64 MiB of 4 KiB pages).</summary>
    public int RestartAtPages { get; internal set; } = 16_384;

    /// <summary>
    /// Stops <paramref name="connection"/> from checkpointing inside its commits until the
    /// returned value is disposed (which puts SQLite's default back: once the connection closes,
    /// its handle returns to the pool and other writers use it next). The group commit holds one
    /// for as long as it keeps its own connection.
    /// </summary>
    public static Suspension SuspendFor(SqliteConnection connection)
    {
        SQLitePCL.raw.sqlite3_wal_autocheckpoint(connection.Handle, 0);
        return new Suspension(connection);
    }

    /// <summary>Counts a commit that left its checkpoint to this (the group commit's, or another write transaction's); every <see cref="CommitsPerCheckpoint"/>th starts a checkpoint unless one is running.</summary>
    public void Committed()
    {
        if (Interlocked.Increment(ref _commits) < CommitsPerCheckpoint || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }
        Interlocked.Exchange(ref _commits, 0);
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            var (_, pages, _) = Checkpoint(connection, "PASSIVE");
            if (pages >= RestartAtPages)
            {
                // Tried again and again, each try holding this process's write turn so that none of
                // its writers meets SQLite's lock while the try runs, and never waiting inside SQLite
                // (the pooled handle may carry the app's busy timeout, whose handler would sleep in
                // steps of up to 100 ms with the write turn held): it succeeds at a moment no reader
                // is in the log.
                using (var wait = connection.CreateCommand())
                {
                    wait.CommandText = "PRAGMA busy_timeout = 0;";
                    wait.ExecuteNonQuery();
                }
                for (var tries = 1; tries <= RestartTries; tries++)
                {
                    using (await SqliteWriteGate.EnterAsync(_writeGate, CancellationToken.None))
                    {
                        if (!Checkpoint(connection, "RESTART").Busy)
                        {
                            Interlocked.Increment(ref _restarted);
                            break;
                        }
                    }
                    await Task.Delay(1);
                }
            }
            Interlocked.Increment(ref _completed);
        }
        catch (SqliteException)
        {
            // The file is gone or cannot be written: the commits report that themselves. The
            // log stays as it is until the next checkpoint, and reads still find every page.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Runs a checkpoint of <paramref name="mode"/>: whether a reader or writer kept it from finishing, the log's length in pages, and how many of them are now copied into the file.</summary>
    private static (bool Busy, long Pages, long Copied) Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        // One row: whether it was kept from finishing, the log's pages, the pages copied.
        return reader.Read() ? (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2)) : (true, 0, 0);
    }

    public readonly struct Suspension(SqliteConnection connection) : IDisposable
    {
        public void Dispose()
        {
            if (connection.Handle is { } handle)
            {
                SQLitePCL.raw.sqlite3_wal_autocheckpoint(handle, SqliteDefaultPages);
            }
        }
    }
}
