using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// One hand-built <c>UPDATE "Table" SET "A" = @p0, … WHERE "K" = @pn AND …</c> of an entity type,
/// for a write so frequent that EF's per-call work on an <c>ExecuteUpdate</c> (parameterising and
/// looking up its expression tree; EF 10 cannot compile one ahead) costs more than the update
/// itself. The statement is built from the model once per model; each value is converted by its
/// property's type mapping (enums as text, instants as ticks on SQLite), as EF would store it.
/// Runs on the context's connection, inside its current transaction if one is open (with its
/// statement kept compiled where the connection keeps statements: <see cref="SqliteStatements"/>).
/// </summary>
public sealed class RowUpdate<T>(string[] set, string[] where) where T : class
{
    private readonly ConcurrentDictionary<IModel, Statement> _statements = new();

    private sealed record Statement(string Text, RelationalTypeMapping[] Mappings, bool[] Nullable);

    /// <summary>
    /// Sets the columns named first to <paramref name="values"/> (in the same order) on the rows
    /// where the columns named second equal the values after them; answers how many rows changed.
    /// </summary>
    public async Task<int> ExecuteAsync(ChaperoneDbContext db, object?[] values, CancellationToken ct)
    {
        var statement = _statements.GetOrAdd(db.Model, static (_, state) => state.Self.Build(state.Db), (Self: this, Db: db));
        if (values.Length != statement.Mappings.Length)
        {
            throw new ArgumentException($"The update of {typeof(T).Name} takes {statement.Mappings.Length} values, not {values.Length}.", nameof(values));
        }
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            return await SqliteStatements.ExecuteAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction(), statement.Text, command =>
            {
                for (var i = 0; i < values.Length; i++)
                {
                    command.Parameters.Add(statement.Mappings[i].CreateParameter(command, sql.GenerateParameterName("p" + i), values[i], statement.Nullable[i]));
                }
            }, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private Statement Build(DbContext db)
    {
        var entityType = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var properties = set.Concat(where)
            .Select(name => entityType.FindProperty(name) ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {name}."))
            .ToArray();
        string Assign(IProperty property, int i) => $"{sql.DelimitIdentifier(property.GetColumnName(table)!)} = {sql.GenerateParameterNamePlaceholder("p" + i)}";
        var text = $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} SET "
            + string.Join(", ", properties.Take(set.Length).Select(Assign))
            + " WHERE "
            + string.Join(" AND ", properties.Skip(set.Length).Select((p, i) => Assign(p, set.Length + i)));
        return new Statement(text, [.. properties.Select(p => p.GetRelationalTypeMapping())], [.. properties.Select(p => p.IsNullable)]);
    }
}
