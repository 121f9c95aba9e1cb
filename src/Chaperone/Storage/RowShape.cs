using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// How the rows of one entity type are written by a hand-built <c>INSERT</c>, read from the EF
/// model once per model and type: the table, each column with its type mapping (value
/// conversions such as instants as ticks on SQLite, parameter types such as <c>jsonb</c> on
/// PostgreSQL) and a getter, and each complex collection stored as a JSON column, written with
/// the model's own JSON writers. Rows written this way are stored as <c>SaveChanges</c> would
/// store them.
/// </summary>
/// <remarks>
/// A numeric key the model marks generated on add is left to the database (an identity column)
/// and not read back; a <see cref="Guid"/> key is written, so it must be set (entities make their
/// own with <c>Guid.CreateVersion7()</c>). Shadow properties cannot be read from the object, so a type with one is refused.
/// </remarks>
internal sealed class RowShape
{
    private static readonly ConcurrentDictionary<(IModel Model, Type Type), RowShape> Shapes = new();

    private RowShape(string head, IReadOnlyList<RowColumn> columns)
    {
        Head = head;
        Columns = columns;
    }

    /// <summary><c>INSERT INTO "Table" ("A", "B") VALUES </c>: the rows' value lists follow.</summary>
    public string Head { get; }

    public IReadOnlyList<RowColumn> Columns { get; }

    public static RowShape Of(DbContext db, Type type) =>
        Shapes.GetOrAdd((db.Model, type), static (key, db) => Build(db, key.Type), db);

    private static RowShape Build(DbContext db, Type type)
    {
        var entityType = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        if (entityType.GetProperties().FirstOrDefault(p => p.IsShadowProperty()) is { } shadow)
        {
            throw new InvalidOperationException($"{type.Name}.{shadow.Name} is a shadow property, which a hand-built insert cannot read.");
        }
        var columns = new List<RowColumn>();
        foreach (var property in entityType.GetProperties())
        {
            if (IsMadeByDatabase(property))
            {
                continue;
            }
            columns.Add(new ScalarColumn(property.GetColumnName(table)!, property.GetRelationalTypeMapping(), property.GetGetter(), property.IsNullable,
                requiresValue: property.IsPrimaryKey() && property.ClrType == typeof(Guid)));
        }
        var mappings = db.GetService<IRelationalTypeMappingSource>();
        foreach (var complex in entityType.GetComplexProperties())
        {
            var complexType = complex.ComplexType;
            if (!complex.IsCollection || complexType.GetContainerColumnName() is not { } container)
            {
                throw new InvalidOperationException($"{type.Name}.{complex.Name} is a complex property not stored as a JSON collection, which a hand-built insert does not write.");
            }
            // The column's store type (jsonb on PostgreSQL, text on SQLite) from the relational model.
            var storeType = db.Model.GetRelationalModel().FindTable(table.Name, table.Schema)?.FindColumn(container)?.StoreType
                ?? throw new InvalidOperationException($"No column {container} in the table of {type.Name}.");
            var mapping = mappings.FindMapping(typeof(string), storeType)
                ?? throw new InvalidOperationException($"No mapping for the JSON column {container} ({storeType}) of {type.Name}.");
            var members = complexType.GetProperties()
                .Select(p => new JsonMember(JsonEncodedText.Encode(p.GetJsonPropertyName() ?? p.Name), p.GetGetter(),
                    p.GetJsonValueReaderWriter() ?? p.GetTypeMapping().JsonValueReaderWriter
                        ?? throw new InvalidOperationException($"No JSON writer for {type.Name}.{complex.Name}.{p.Name}.")))
                .ToList();
            columns.Add(new JsonCollectionColumn(container, mapping, complex.GetGetter(), complex.IsNullable, members));
        }
        var sql = db.GetService<ISqlGenerationHelper>();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ";
        return new RowShape(head, columns);
    }

    /// <summary>
    /// A key the database makes (an identity column). A <see cref="Guid"/> key generated on add is
    /// made in the app (by EF on <c>Add</c>, or by the object itself), so it is written like any
    /// other column and the object must already hold it.
    /// </summary>
    private static bool IsMadeByDatabase(IProperty property) =>
        property.ValueGenerated == ValueGenerated.OnAdd && property.IsPrimaryKey() && property.ClrType != typeof(Guid);

    /// <summary>Appends <c>(@p0, @p1, …)</c> for <paramref name="row"/> and adds its parameters, numbered on from <paramref name="next"/>.</summary>
    public void AppendValues(StringBuilder text, DbCommand command, ISqlGenerationHelper sql, object row, ref int next)
    {
        var first = next;
        AppendPlaceholders(text, sql, ref next);
        AddParameters(command, sql, row, first);
    }

    /// <summary>Appends <c>(@p0, @p1, …)</c> for one row, numbered on from <paramref name="next"/> (the text alone, for a statement kept compiled).</summary>
    public void AppendPlaceholders(StringBuilder text, ISqlGenerationHelper sql, ref int next)
    {
        text.Append('(');
        for (var c = 0; c < Columns.Count; c++)
        {
            text.Append(c == 0 ? "" : ", ").Append(sql.GenerateParameterNamePlaceholder("p" + next++));
        }
        text.Append(')');
    }

    /// <summary>Adds the parameters of <paramref name="row"/>, named as <see cref="AppendPlaceholders"/> numbered them from <paramref name="first"/>.</summary>
    public void AddParameters(DbCommand command, ISqlGenerationHelper sql, object row, int first)
    {
        foreach (var parameter in ParametersOf(command, sql, row, first))
        {
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>The parameters of <paramref name="row"/>, made by <paramref name="maker"/> but not added to it, named as <see cref="AppendPlaceholders"/> numbered them from <paramref name="first"/>.</summary>
    public IEnumerable<DbParameter> ParametersOf(DbCommand maker, ISqlGenerationHelper sql, object row, int first)
    {
        for (var c = 0; c < Columns.Count; c++)
        {
            yield return Columns[c].CreateParameter(maker, sql.GenerateParameterName("p" + (first + c)), row);
        }
    }

    internal abstract class RowColumn(string name)
    {
        public string Name { get; } = name;

        public abstract DbParameter CreateParameter(DbCommand command, string parameterName, object row);
    }

    private sealed class ScalarColumn(string name, RelationalTypeMapping mapping, IClrPropertyGetter getter, bool nullable, bool requiresValue) : RowColumn(name)
    {
        public override DbParameter CreateParameter(DbCommand command, string parameterName, object row)
        {
            if (requiresValue && getter.HasSentinelValueUsingContainingEntity(row))
            {
                throw new InvalidOperationException($"{row.GetType().Name}.{Name} is a key made in the app, but this row has none.");
            }
            return mapping.CreateParameter(command, parameterName, getter.GetClrValueUsingContainingEntity(row), nullable);
        }
    }

    private sealed record JsonMember(JsonEncodedText Name, IClrPropertyGetter Getter, Microsoft.EntityFrameworkCore.Storage.Json.JsonValueReaderWriter Writer);

    /// <summary>A complex collection stored as one JSON array of objects, one member per property.</summary>
    private sealed class JsonCollectionColumn(string name, RelationalTypeMapping mapping, IClrPropertyGetter getter, bool nullable, IReadOnlyList<JsonMember> members)
        : RowColumn(name)
    {
        public override DbParameter CreateParameter(DbCommand command, string parameterName, object row) =>
            mapping.CreateParameter(command, parameterName, ToJson(getter.GetClrValueUsingContainingEntity(row) as System.Collections.IEnumerable), nullable);

        private string? ToJson(System.Collections.IEnumerable? items)
        {
            if (items is null)
            {
                return null;
            }
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    writer.WriteStartObject();
                    foreach (var member in members)
                    {
                        writer.WritePropertyName(member.Name);
                        if (member.Getter.GetClrValue(item) is { } value)
                        {
                            member.Writer.ToJson(writer, value);
                        }
                        else
                        {
                            writer.WriteNullValue();
                        }
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }
}
