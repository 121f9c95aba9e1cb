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
/// it, which under a steady stream of bookings and reads may not happen for hours, and the log's
/// file keeps every page it ever grew to. Once the log holds <see cref="TruncateAtPages"/> pages
/// and all are copied, the checkpoint therefore also waits (at most
/// <see cref="TruncateWait"/>, holding off new writers meanwhile, while readers go on) for the
/// readers still in the log to finish, then empties the log's file; if they are not done by then
/// it leaves it to the next one.</para>
/// Nothing about durability changes: a commit is flushed to the log before its callers hear of it,
/// and SQLite reads committed pages from the log until they are copied back. The rarer writes that
/// save directly, outside both (migrations, sign-in, staff's edits of people and settings, the
/// call hub's events, the Teams worker), keep SQLite's own checkpoints.
/// </remarks>
public sealed class SqliteCheckpoints
{
    /// <summary>A checkpoint is asked for once this many commits (of the group commit and the other write transactions) have gone by.</summary>
    public const int CommitsPerCheckpoint = 16;

    /// <summary>How long a checkpoint that empties the log waits for the readers still in it (new writers wait as long).</summary>
    public static readonly TimeSpan TruncateWait = TimeSpan.FromMilliseconds(250);

    /// <summary>SQLite's own threshold, in pages, put back once a group commit's commit is done.</summary>
    private const int SqliteDefaultPages = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SqliteCheckpoints> Databases = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private int _commits;
    private int _running;
    private long _completed;
    private long _truncated;

    /// <summary>The checkpoints of this database file (one per connection string), shared by the group commit and the other write transactions.</summary>
    public static SqliteCheckpoints For(string connectionString) => Databases.GetOrAdd(connectionString, c => new SqliteCheckpoints(c));

    private SqliteCheckpoints(string connectionString)
    {
        // Never creates the file: a checkpoint of a database that is gone has nothing to do.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
    }

    /// <summary>Checkpoints run so far (each copies whatever the log holds that the file does not).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Times the log's file was emptied.</summary>
    public long Truncated => Interlocked.Read(ref _truncated);

    /// <summary>The log's length, in pages, from which a checkpoint that has copied it all also empties it (64 MiB of 4 KiB pages).</summary>
    public int TruncateAtPages { get; internal set; } = 16_384;

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
        _ = Task.Run(Run);
    }

    private void Run()
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            var (pages, copied) = Checkpoint(connection, "PASSIVE");
            Interlocked.Increment(ref _completed);
            if (pages >= TruncateAtPages && copied == pages)
            {
                using (var wait = connection.CreateCommand())
                {
                    wait.CommandText = $"PRAGMA busy_timeout = {(int)TruncateWait.TotalMilliseconds};";
                    wait.ExecuteNonQuery();
                }
                // Answers the log's length as 0 once emptied; a reader still in it keeps it as it was.
                if (Checkpoint(connection, "TRUNCATE").Pages == 0)
                {
                    Interlocked.Increment(ref _truncated);
                }
            }
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

    /// <summary>Runs a checkpoint of <paramref name="mode"/>: the log's length in pages, and how many of them are now copied into the file.</summary>
    private static (long Pages, long Copied) Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        // One row: whether it was kept from finishing, the log's pages, the pages copied.
        return reader.Read() ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
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
