using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Storage;

/// <summary>
/// New rows of several types, written by one command (one <c>INSERT</c> per type, in the order
/// the types were first added, so parents go before the rows that refer to them) on the
/// context's connection and inside its open transaction. For the hottest write (a booking),
/// where EF's change tracking and update pipeline cost more than the inserts themselves; rows
/// are stored as <c>SaveChanges</c> would store them (<see cref="RowShape"/>) but nothing is
/// tracked and no <c>SaveChanges</c> logic runs, so the caller sets every value itself.
/// </summary>
/// <remarks>
/// The statement and its parameters (every value read, converted and, for JSON columns, written)
/// can be made before the write runs (<see cref="Prepare"/>): on SQLite a write runs in the group
/// commit's one-at-a-time part, and there it then only binds them.
/// </remarks>
public sealed class RowWrite
{
    private readonly List<(Type Type, List<object> Rows)> _groups = [];
    private Statement? _prepared;

    /// <summary>The text of the inserts and their parameters, in order.</summary>
    private sealed record Statement(string Text, List<DbParameter> Parameters);

    public bool IsEmpty => _groups.Count == 0;

    public RowWrite Add<T>(T row) where T : class => AddRow(typeof(T), row);

    public RowWrite AddRange<T>(IEnumerable<T> rows) where T : class
    {
        foreach (var row in rows)
        {
            AddRow(typeof(T), row);
        }
        return this;
    }

    private RowWrite AddRow(Type type, object row)
    {
        if (_prepared is not null)
        {
            throw new InvalidOperationException("The rows are already prepared; add every row before Prepare.");
        }
        foreach (var (groupType, rows) in _groups)
        {
            if (groupType == type)
            {
                rows.Add(row);
                return this;
            }
        }
        _groups.Add((type, [row]));
        return this;
    }

    /// <summary>
    /// Makes the statement and its parameters now, from the rows as they are (values read later
    /// would not be seen), so that <see cref="ExecuteAsync"/> only binds them. Answers this.
    /// </summary>
    public RowWrite Prepare(ChaperoneDbContext db)
    {
        _prepared ??= Build(db);
        return this;
    }

    /// <summary>Inserts every row; answers how many were inserted. Requires an open transaction unless there is one statement.</summary>
    public async Task<int> ExecuteAsync(ChaperoneDbContext db, CancellationToken ct)
    {
        if (IsEmpty)
        {
            return 0;
        }
        var statement = _prepared ?? Build(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // A connection keeping compiled statements runs its kept command for the text.
            return await SqliteStatements.ExecuteAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction(), statement.Text, command =>
            {
                foreach (var parameter in statement.Parameters)
                {
                    command.Parameters.Add(parameter);
                }
            }, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private Statement Build(ChaperoneDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var text = new StringBuilder(1024);
        var parameters = new List<DbParameter>();
        // Parameters are made by a command of the provider, not added to it: a command of
        // whichever connection runs the write takes them.
        using var maker = db.Database.GetDbConnection().CreateCommand();
        var next = 0;
        foreach (var (type, rows) in _groups)
        {
            var shape = RowShape.Of(db, type);
            text.Append(shape.Head);
            for (var r = 0; r < rows.Count; r++)
            {
                text.Append(r == 0 ? "" : ", ");
                var first = next;
                shape.AppendPlaceholders(text, sql, ref next);
                parameters.AddRange(shape.ParametersOf(maker, sql, rows[r], first));
            }
            text.Append(";\n");
        }
        return new Statement(text.ToString(), parameters);
    }
}
