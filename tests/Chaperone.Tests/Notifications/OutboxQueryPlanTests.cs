using System.Data.Common;
using Chaperone.Notifications;
using Chaperone.Storage;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// The outbox worker's claim runs every few seconds for as long as the app runs, against a table
/// holding every message ever written: each of its reads must go through an index, not walk the
/// table. Asked of the database itself (SQLite's <c>EXPLAIN QUERY PLAN</c>, PostgreSQL's
/// <c>EXPLAIN</c> with sequential scans priced out, so that a small test table does not tempt the
/// planner into one where an index exists).
/// </summary>
public abstract class OutboxQueryPlanTests(ChaperoneApp app)
{
    [Fact]
    public async Task TheWorkerReadsBackItsClaimThroughTheIndexOfClaimedRows()
    {
        var plan = await PlanAsync(db => OutboxWorker.ClaimedBy(db, Guid.NewGuid()));

        Assert.Contains("IX_OutboxMessages_Claimed", plan);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain(plan.Split('\n'), line => line.Trim() == "SCAN OutboxMessages");
    }

    [Fact]
    public async Task TheWorkerFindsDueMessagesThroughTheIndexOfStatusAndDueTime()
    {
        var plan = await PlanAsync(db => OutboxWorker.Due(db, app.Clock.GetUtcNow()).OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(64));

        Assert.Contains("IX_OutboxMessages_Status_NextAttemptAt", plan);
    }

    private Task<string> PlanAsync<T>(Func<ChaperoneDbContext, IQueryable<T>> query) => app.WithDbAsync(async db =>
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

public sealed class OutboxQueryPlanOnSqlite(ChaperoneApp app) : OutboxQueryPlanTests(app), IClassFixture<ChaperoneApp>;

public sealed class OutboxQueryPlanOnPostgres(PostgresChaperoneApp app) : OutboxQueryPlanTests(app), IClassFixture<PostgresChaperoneApp>;
