using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Chaperone.Storage;

/// <summary>
/// Commands kept, compiled, on a SQLite connection that stays open, one per statement text.
/// SQLite compiles a statement before it can run it, and Microsoft.Data.Sqlite keeps a compiled
/// statement only as long as its command (efcore#14044); a command made afresh for each query
/// compiles it every time, which under load cost a fifth of the server's CPU. A kept command is
/// run again with new parameters and no compiling.
/// </summary>
/// <remarks>
/// Only for a connection that one caller at a time uses and whose commands are disposed with it
/// (<see cref="Keep"/>, <see cref="Release"/>): a compiled statement belongs to the
/// connection's handle. At most <see cref="Capacity"/> texts are kept; beyond that the one used
/// longest ago is dropped. A command still in use (its reader open) is not handed out twice: the
/// second caller gets a command of its own for the once.
/// </remarks>
public sealed partial class SqliteStatements
{
    /// <summary>Most distinct statement texts kept per connection.</summary>
    public const int Capacity = 128;

    private static readonly ConditionalWeakTable<DbConnection, SqliteStatements> Kept = new();

    private readonly DbConnection _connection;
    private readonly Dictionary<string, LinkedListNode<Entry>> _byText = new(StringComparer.Ordinal);
    // Most recently used first.
    private readonly LinkedList<Entry> _recent = new();
    // Kept commands busy until their reader is closed.
    private readonly List<Entry> _reading = [];
    // Commands made for the once (their text's kept command was busy) with the reader each handed out.
    private readonly List<(DbCommand Command, DbDataReader Reader)> _once = [];
    // How many kept commands are rented and not given back.
    private int _busy;

    private sealed class Entry(string text, DbCommand command)
    {
        public string Text { get; } = text;
        public DbCommand Command { get; } = command;
        public bool Busy { get; set; }

        /// <summary>The reader the command's last run handed out; the command is busy until it is closed.</summary>
        public DbDataReader? Reader { get; set; }
    }

    private SqliteStatements(DbConnection connection) => _connection = connection;

    /// <summary>How many statement texts are kept.</summary>
    public int Count => _byText.Count;

    /// <summary>Whether a command is kept for <paramref name="text"/>.</summary>
    public bool Keeps(string text) => _byText.ContainsKey(text);

    /// <summary>
    /// Settles the readers closed since the last look (their commands become free to rent again)
    /// and answers whether no command is now in use (none rented and not given back, no reader open).
    /// </summary>
    public bool SettleAndCheckIdle()
    {
        SettleReaders();
        return _busy == 0 && _once.Count == 0;
    }

    /// <summary>Starts keeping commands on <paramref name="connection"/> (open, and kept open until <see cref="Release"/>).</summary>
    public static SqliteStatements Keep(DbConnection connection) => Kept.GetValue(connection, c => new SqliteStatements(c));

    /// <summary>The kept commands of <paramref name="connection"/>, or null when it keeps none.</summary>
    public static SqliteStatements? For(DbConnection connection) => Kept.TryGetValue(connection, out var statements) ? statements : null;

    /// <summary>Disposes the kept commands of <paramref name="connection"/> (before it is closed) and stops keeping them.</summary>
    public static void Release(DbConnection connection)
    {
        if (Kept.TryGetValue(connection, out var statements))
        {
            Kept.Remove(connection);
            foreach (var (command, reader) in statements._once)
            {
                reader.Dispose();
                command.Dispose();
            }
            statements._once.Clear();
            statements._reading.Clear();
            foreach (var entry in statements._recent)
            {
                entry.Command.Dispose();
            }
            statements._recent.Clear();
            statements._byText.Clear();
            statements._busy = 0;
        }
    }

    /// <summary>
    /// Runs <paramref name="text"/> on <paramref name="connection"/> inside <paramref name="transaction"/>,
    /// with the parameters <paramref name="bind"/> adds: on the kept command where the connection
    /// keeps statements, else on a command made for the once. Answers the rows changed.
    /// </summary>
    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string text, Action<DbCommand> bind, CancellationToken ct)
    {
        var kept = For(connection);
        var command = kept?.Rent(text, transaction) ?? connection.CreateCommand();
        try
        {
            if (kept is null)
            {
                command.CommandText = text;
                command.Transaction = transaction;
            }
            bind(command);
            return await command.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            if (kept is not null)
            {
                kept.Return(command);
            }
            else
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A command for <paramref name="text"/> inside <paramref name="transaction"/>, without
    /// parameters: the kept one if it is free, else a new one (kept, if the text is new). Give it
    /// back with <see cref="Return"/>.
    /// </summary>
    public DbCommand Rent(string text, DbTransaction? transaction)
    {
        DbCommand command;
        if (_byText.TryGetValue(text, out var node))
        {
            if (node.Value.Busy && node.Value.Reader is not null)
            {
                SettleReaders();
            }
            if (node.Value.Busy)
            {
                command = _connection.CreateCommand();
                command.CommandText = text;
            }
            else
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                node.Value.Busy = true;
                _busy++;
                command = node.Value.Command;
            }
        }
        else
        {
            command = _connection.CreateCommand();
            command.CommandText = text;
            // A text is looked at once, when it is first kept; one that changes the schema is never kept.
            if (!ChangesSchema(text))
            {
                if (_byText.Count >= Capacity)
                {
                    DropLeastRecent();
                }
                if (_byText.Count < Capacity)
                {
                    _byText.Add(text, _recent.AddFirst(new Entry(text, command) { Busy = true }));
                    _busy++;
                }
            }
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Gives back a command from <see cref="Rent"/>: a kept one stays (its parameters dropped), another is disposed.</summary>
    public void Return(DbCommand command)
    {
        if (_byText.TryGetValue(command.CommandText, out var node) && ReferenceEquals(node.Value.Command, command))
        {
            command.Parameters.Clear();
            if (node.Value.Busy)
            {
                node.Value.Busy = false;
                _busy--;
            }
            return;
        }
        command.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="command"/> (from <see cref="Rent"/>) for a reader. The command is given
    /// back by itself once the reader is closed: whoever reads it need only dispose it.
    /// </summary>
    public DbDataReader ExecuteReader(DbCommand command)
    {
        DbDataReader reader;
        try
        {
            reader = command.ExecuteReader();
        }
        catch
        {
            Return(command);
            throw;
        }
        if (_byText.TryGetValue(command.CommandText, out var node) && ReferenceEquals(node.Value.Command, command))
        {
            node.Value.Reader = reader;
            _reading.Add(node.Value);
        }
        else
        {
            _once.Add((command, reader));
        }
        return reader;
    }

    /// <summary>Gives back the commands whose readers have been closed since.</summary>
    private void SettleReaders()
    {
        for (var i = _reading.Count - 1; i >= 0; i--)
        {
            var entry = _reading[i];
            if (entry.Reader is { IsClosed: false })
            {
                continue;
            }
            _reading.RemoveAt(i);
            entry.Reader = null;
            Return(entry.Command);
        }
        for (var i = _once.Count - 1; i >= 0; i--)
        {
            if (_once[i].Reader.IsClosed)
            {
                _once[i].Command.Dispose();
                _once.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="text"/> has a statement that changes or reads the schema itself
    /// (CREATE, DROP, PRAGMA, …). Those are never kept: SQLite settles such a statement when it
    /// compiles it ("DROP … IF EXISTS" of nothing compiles to nothing) and does not compile it
    /// again when the schema changes, so a kept one would do what was right the first time.
    /// </summary>
    public static bool ChangesSchema(string text) => SchemaStatement().IsMatch(text);

    [System.Text.RegularExpressions.GeneratedRegex(@"(^|;)\s*(CREATE|DROP|ALTER|PRAGMA|VACUUM|ATTACH|DETACH|REINDEX|ANALYZE)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SchemaStatement();

    private void DropLeastRecent()
    {
        for (var node = _recent.Last; node is not null; node = node.Previous)
        {
            if (!node.Value.Busy)
            {
                _recent.Remove(node);
                _byText.Remove(node.Value.Text);
                node.Value.Command.Dispose();
                return;
            }
        }
    }
}
