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
/// model, so the rows are stored exactly as <c>SaveChanges</c> would store them. A key the model
/// marks generated on add is left to the database (an identity column) and not read back, so give
/// client-made keys <c>ValueGeneratedNever</c>; nothing is tracked, no <c>SaveChanges</c>
/// interceptor runs. Runs on the context's connection, inside its current
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
        var entityType = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        if (entityType.GetProperties().FirstOrDefault(p => p.IsShadowProperty()) is { } shadow)
        {
            throw new InvalidOperationException($"{typeof(T).Name}.{shadow.Name} is a shadow property, which this insert cannot read.");
        }
        var columns = entityType.GetProperties()
            .Where(p => !(p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd && p.IsPrimaryKey()))
            .Select(p => (Column: p.GetColumnName(table)!, Mapping: p.GetRelationalTypeMapping(), Getter: p.GetGetter(), p.IsNullable))
            .ToList();
        var sql = db.GetService<ISqlGenerationHelper>();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Column)))}) VALUES ";
        var perStatement = RowsPerStatement(db, columns.Count);

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct); // counted: closed again below only if it was opened here
        try
        {
            return await InsertChunksAsync(db, connection, rows, head, columns, perStatement, sql, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<int> InsertChunksAsync<T>(DbContext db, DbConnection connection, IReadOnlyList<T> rows, string head,
        List<(string Column, RelationalTypeMapping Mapping, IClrPropertyGetter Getter, bool IsNullable)> columns, int perStatement, ISqlGenerationHelper sql, CancellationToken ct)
        where T : class
    {
        var inserted = 0;
        foreach (var chunk in rows.Chunk(perStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var text = new StringBuilder(head, head.Length + chunk.Length * columns.Count * 8);
            var n = 0;
            for (var r = 0; r < chunk.Length; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var (_, mapping, getter, nullable) = columns[c];
                    var name = "p" + n++;
                    text.Append(c == 0 ? "" : ", ").Append(sql.GenerateParameterNamePlaceholder(name));
                    command.Parameters.Add(mapping.CreateParameter(command, sql.GenerateParameterName(name), getter.GetClrValueUsingContainingEntity(chunk[r]), nullable));
                }
                text.Append(')');
            }
            command.CommandText = text.ToString();
            inserted += await command.ExecuteNonQueryAsync(ct);
        }
        return inserted;
    }
}
