using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// How the database itself would run a query: SQLite's <c>EXPLAIN QUERY PLAN</c>, one line per
/// step; PostgreSQL's <c>EXPLAIN</c> with sequential scans priced out, so that a small test table
/// does not tempt the planner into one where an index exists.
/// </summary>
public static class QueryPlans
{
    public static Task<string> PlanAsync<T>(this ChaperoneApp app, Func<ChaperoneDbContext, IQueryable<T>> query) => app.WithDbAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off");
            }
            await using var command = query(db).CreateDbCommand();
            command.CommandText = (db.Database.IsSqlite() ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + command.CommandText;
            await using var reader = await command.ExecuteReaderAsync();
            var lines = new List<string>();
            while (await reader.ReadAsync())
            {
                // SQLite: id, parent, notused, detail; PostgreSQL: one column of plan text.
                lines.Add(reader.GetString(reader.FieldCount - 1));
            }
            return string.Join('\n', lines);
        }
        finally
        {
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("RESET enable_seqscan");
            }
            await db.Database.CloseConnectionAsync();
        }
    });
}
