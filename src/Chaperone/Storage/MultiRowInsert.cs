using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// Inserts many rows of one entity type in a few multi-row <c>INSERT … VALUES (…), (…)</c>
/// statements, for bulk writes where EF's per-entity change tracking and one statement per row
/// cost more than the work itself (retention registering thousands of deletions a batch).
/// </summary>
/// <remarks>
/// Columns, value conversions (instants as ticks on SQLite) and parameter types come from the
/// model (<see cref="RowShape"/>), so the rows are stored exactly as <c>SaveChanges</c> would store
/// them. A numeric key generated on add is left to the database (an identity column) and not read
/// back, a <see cref="Guid"/> key is written as it is; nothing is tracked, no
/// <c>SaveChanges</c> interceptor runs. Runs on the context's connection, inside its current
/// transaction if one is open.
/// </remarks>
public static class MultiRowInsert
{
    // Parameters per statement. PostgreSQL takes up to 65,535 and binds them by position. SQLite
    // (up to 32,766) looks each parameter's name up by walking the statement's list of names, so a
    // statement's binding costs the square of its parameter count: there, many small statements.
    private const int MaxParametersPostgres = 30_000;
    private const int MaxParametersSqlite = 500;

    /// <summary>How many rows of <paramref name="columns"/> parameters each one statement should carry on this database.</summary>
    public static int RowsPerStatement(DbContext db, int columns) =>
        Math.Max(1, (db.Database.IsSqlite() ? MaxParametersSqlite : MaxParametersPostgres) / columns);

    /// <summary>Inserts <paramref name="rows"/>; answers how many rows were inserted.</summary>
    public static async Task<int> InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        if (rows.Count == 0)
        {
            return 0;
        }
        var shape = RowShape.Of(db, typeof(T));
        var sql = db.GetService<ISqlGenerationHelper>();
        var perStatement = RowsPerStatement(db, shape.Columns.Count);

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct); // counted: closed again below only if it was opened here
        try
        {
            return await InsertChunksAsync(db, connection, rows, shape, perStatement, sql, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<int> InsertChunksAsync<T>(DbContext db, DbConnection connection, IReadOnlyList<T> rows, RowShape shape, int perStatement, ISqlGenerationHelper sql, CancellationToken ct)
        where T : class
    {
        var inserted = 0;
        foreach (var chunk in rows.Chunk(perStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var text = new StringBuilder(shape.Head, shape.Head.Length + chunk.Length * shape.Columns.Count * 8);
            var n = 0;
            for (var r = 0; r < chunk.Length; r++)
            {
                text.Append(r == 0 ? "" : ", ");
                shape.AppendValues(text, command, sql, chunk[r], ref n);
            }
            command.CommandText = text.ToString();
            inserted += await command.ExecuteNonQueryAsync(ct);
        }
        return inserted;
    }
}
