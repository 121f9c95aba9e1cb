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
public sealed class RowWrite
{
    private readonly List<(Type Type, List<object> Rows)> _groups = [];

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

    /// <summary>Inserts every row; answers how many were inserted. Requires an open transaction unless there is one statement.</summary>
    public async Task<int> ExecuteAsync(ChaperoneDbContext db, CancellationToken ct)
    {
        if (IsEmpty)
        {
            return 0;
        }
        var sql = db.GetService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // The text first (it depends only on the types and how many rows of each), so that a
            // connection keeping compiled statements can run its kept command for it.
            var text = new StringBuilder(1024);
            var next = 0;
            foreach (var (type, rows) in _groups)
            {
                var shape = RowShape.Of(db, type);
                text.Append(shape.Head);
                for (var r = 0; r < rows.Count; r++)
                {
                    text.Append(r == 0 ? "" : ", ");
                    shape.AppendPlaceholders(text, sql, ref next);
                }
                text.Append(";\n");
            }
            return await SqliteStatements.ExecuteAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction(), text.ToString(), command =>
            {
                var first = 0;
                foreach (var (type, rows) in _groups)
                {
                    var shape = RowShape.Of(db, type);
                    foreach (var row in rows)
                    {
                        shape.AddParameters(command, sql, row, first);
                        first += shape.Columns.Count;
                    }
                }
            }, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
