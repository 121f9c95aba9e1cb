using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// Keeps a SQLite context's connection open for as long as the context lives, and runs the
/// context's commands on statements kept compiled there (<see cref="SqliteStatements"/>).
/// </summary>
/// <remarks>
/// <para>Contexts are pooled, so a context lives across many requests. Left to itself, EF closes
/// its connection after every query and when the context goes back to the pool, and
/// Microsoft.Data.Sqlite disposes every compiled statement on close (efcore#14044): each query
/// then compiles its SQL afresh, which under booking load was a fifth of the server's CPU. Here a
/// close is declined while the connection is clean (no transaction open, no reader left open), so
/// the next request on the same context finds its queries compiled. A connection that is not clean
/// is closed as before (rolling back what was left open), and disposing the context still closes
/// it.</para>
/// <para>Every query, command and scalar EF runs goes to the kept command for its text, with EF's
/// parameters; a reader's command is free again once EF has closed the reader. An idle open
/// connection holds no lock and no snapshot, so it delays no checkpoint.</para>
/// </remarks>
public static class SqliteKeptConnections
{
    /// <summary>Keeps this SQLite context's connection open and its statements compiled (see <see cref="SqliteKeptConnections"/>).</summary>
#pragma warning disable EF1001 // SqliteRelationalConnection is EF's own; its open and close are the template methods EF leaves to providers.
    public static TBuilder KeepSqliteConnections<TBuilder>(this TBuilder options) where TBuilder : DbContextOptionsBuilder
    {
        options.ReplaceService<ISqliteRelationalConnection, KeptConnection>().AddInterceptors(KeptCommands.Instance);
        return options;
    }

    /// <summary>How long a statement of the app waits inside SQLite for another connection's lock (the driver's own command timeout, 30 s).</summary>
    public const int LockWaitMilliseconds = 30_000;

    /// <summary>
    /// Lets SQLite wait for a lock held by another connection (a write outside this process's
    /// write turn, or a checkpoint restarting the log) with its own busy handler, which tries
    /// again after 1, 2, 5, 10 … ms. Without it SQLite answers busy at once and
    /// Microsoft.Data.Sqlite sleeps 150 ms before each new try, however briefly the lock is held.
    /// </summary>
    private static void WaitInSqlite(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, LockWaitMilliseconds);
        }
    }

    /// <summary>Open, keeping statements, in no transaction and with no reader open: nothing a close would clean up.</summary>
    private static bool StaysOpen(DbConnection connection) =>
        connection is SqliteConnection { State: ConnectionState.Open } sqlite
        && SqliteStatements.For(connection) is { } statements && statements.SettleAndCheckIdle()
        && SQLitePCL.raw.sqlite3_get_autocommit(sqlite.Handle) != 0;

    private sealed class KeptConnection(RelationalConnectionDependencies dependencies, IRawSqlCommandBuilder rawSqlCommandBuilder, IDiagnosticsLogger<DbLoggerCategory.Infrastructure> logger)
        : SqliteRelationalConnection(dependencies, rawSqlCommandBuilder, logger)
    {
        protected override void OpenDbConnection(bool errorsExpected)
        {
            base.OpenDbConnection(errorsExpected);
            WaitInSqlite(DbConnection);
            SqliteStatements.Keep(DbConnection);
        }

        protected override async Task OpenDbConnectionAsync(bool errorsExpected, CancellationToken cancellationToken)
        {
            await base.OpenDbConnectionAsync(errorsExpected, cancellationToken);
            WaitInSqlite(DbConnection);
            SqliteStatements.Keep(DbConnection);
        }

        // EF closes here after a query it opened the connection for, when asked to, and when the
        // context goes back to the pool.
        protected override void CloseDbConnection()
        {
            if (!StaysOpen(DbConnection))
            {
                // Closing disposes every command made on the connection, kept ones too.
                SqliteStatements.Release(DbConnection);
                base.CloseDbConnection();
            }
        }

        protected override Task CloseDbConnectionAsync()
        {
            CloseDbConnection();
            return Task.CompletedTask;
        }

        protected override void DisposeDbConnection()
        {
            SqliteStatements.Release(DbConnection);
            base.DisposeDbConnection();
        }

        protected override ValueTask DisposeDbConnectionAsync()
        {
            SqliteStatements.Release(DbConnection);
            return base.DisposeDbConnectionAsync();
        }
    }
#pragma warning restore EF1001

    private sealed class KeptCommands : IDbCommandInterceptor
    {
        private const string LookAtSchema = "SELECT COUNT(*) FROM sqlite_schema;";

        public static KeptCommands Instance { get; } = new();

        public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
            !result.HasResult && Rent(command) is var (statements, kept)
                ? InterceptionResult<DbDataReader>.SuppressWithResult(statements.ExecuteReader(kept))
                : result;

        public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken) =>
            // SQLite's provider runs its "async" work synchronously; so does this.
            ValueTask.FromResult(ReaderExecuting(command, eventData, result));

        public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
            OnKept(command, result, static kept => kept.ExecuteNonQuery());

        public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken) =>
            ValueTask.FromResult(NonQueryExecuting(command, eventData, result));

        public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
            OnKept(command, result, static kept => kept.ExecuteScalar()!);

        public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken) =>
            ValueTask.FromResult(ScalarExecuting(command, eventData, result));

        /// <summary>Runs <paramref name="command"/> by <paramref name="execute"/> on its kept command, which is free again straight after.</summary>
        private static InterceptionResult<T> OnKept<T>(DbCommand command, InterceptionResult<T> result, Func<DbCommand, T> execute)
        {
            if (result.HasResult || Rent(command) is not var (statements, kept))
            {
                return result;
            }
            try
            {
                return InterceptionResult<T>.SuppressWithResult(execute(kept));
            }
            finally
            {
                statements.Return(kept);
            }
        }

        /// <summary>The kept command for <paramref name="command"/>'s text, carrying its parameters, transaction and timeout; null where the connection keeps none.</summary>
        private static (SqliteStatements, DbCommand)? Rent(DbCommand command)
        {
            if (command.Connection is not SqliteConnection connection || SqliteStatements.For(connection) is not { } statements)
            {
                return null;
            }
            if (!statements.Keeps(command.CommandText) && SqliteStatements.ChangesSchema(command.CommandText))
            {
                // A connection kept open may hold the schema as it was when it last read a table,
                // and SQLite settles "IF EXISTS" and "already exists" against that when it compiles
                // such a statement. Reading the schema table first brings it up to date.
                var look = statements.Rent(LookAtSchema, command.Transaction);
                try
                {
                    look.ExecuteScalar();
                }
                finally
                {
                    statements.Return(look);
                }
            }
            var kept = statements.Rent(command.CommandText, command.Transaction);
            kept.CommandTimeout = command.CommandTimeout;
            foreach (DbParameter parameter in command.Parameters)
            {
                kept.Parameters.Add(parameter);
            }
            return (statements, kept);
        }
    }
}
