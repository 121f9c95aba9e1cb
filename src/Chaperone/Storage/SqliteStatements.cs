using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Chaperone.Storage;

/// <summary>
/// Commands kept, compiled, on a SQLite connection that stays open (the group commit's own), one
/// per statement text. SQLite compiles a statement before it can run it, and Microsoft.Data.Sqlite
/// keeps a compiled statement only as long as its command; a command made afresh for each write
/// compiles its inserts every time, which on the busiest write cost more than the inserts
/// themselves. A kept command is run again with new parameters and no compiling.
/// </summary>
/// <remarks>
/// Only for a connection that one caller at a time uses and that is never returned to the pool
/// while its commands are kept (<see cref="Keep"/>, <see cref="ReleaseAsync"/>): a compiled statement
/// belongs to the connection's handle. At most <see cref="Capacity"/> texts are kept; others are
/// run as ordinary commands.
/// </remarks>
public sealed class SqliteStatements
{
    /// <summary>Most distinct statement texts kept per connection (a booking's text varies only with how many pupils, parents and emails it has).</summary>
    public const int Capacity = 128;

    private static readonly ConditionalWeakTable<DbConnection, SqliteStatements> Kept = new();

    private readonly DbConnection _connection;
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    private SqliteStatements(DbConnection connection) => _connection = connection;

    /// <summary>How many statement texts are kept.</summary>
    public int Count => _commands.Count;

    /// <summary>Starts keeping commands on <paramref name="connection"/> (open, and kept open until <see cref="ReleaseAsync"/>).</summary>
    public static SqliteStatements Keep(DbConnection connection) => Kept.GetValue(connection, c => new SqliteStatements(c));

    /// <summary>The kept commands of <paramref name="connection"/>, or null when it keeps none.</summary>
    public static SqliteStatements? For(DbConnection connection) => Kept.TryGetValue(connection, out var statements) ? statements : null;

    /// <summary>Disposes the kept commands of <paramref name="connection"/> (before it is closed).</summary>
    public static async Task ReleaseAsync(DbConnection connection)
    {
        if (Kept.TryGetValue(connection, out var statements))
        {
            Kept.Remove(connection);
            foreach (var command in statements._commands.Values)
            {
                await command.DisposeAsync();
            }
            statements._commands.Clear();
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
                await kept.ReturnAsync(command);
            }
            else
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A command for <paramref name="text"/> inside <paramref name="transaction"/>, without
    /// parameters: the kept one if there is one (or room for it), else a new one. Dispose it
    /// with <see cref="ReturnAsync"/>.
    /// </summary>
    public DbCommand Rent(string text, DbTransaction? transaction)
    {
        if (!_commands.TryGetValue(text, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = text;
            if (_commands.Count < Capacity)
            {
                _commands.Add(text, command);
            }
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Gives back a command from <see cref="Rent"/>: a kept one stays (its parameters dropped), another is disposed.</summary>
    public async ValueTask ReturnAsync(DbCommand command)
    {
        if (_commands.TryGetValue(command.CommandText, out var kept) && ReferenceEquals(kept, command))
        {
            command.Parameters.Clear();
            return;
        }
        await command.DisposeAsync();
    }
}
