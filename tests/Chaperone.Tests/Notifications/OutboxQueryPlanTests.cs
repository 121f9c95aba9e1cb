using Chaperone.Notifications;
using Chaperone.Storage;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// The outbox worker's claim runs every few seconds for as long as the app runs, against a table
/// holding every message ever written: each of its reads must go through an index, not walk the
/// table. Asked of the database itself (<see cref="QueryPlans"/>).
/// </summary>
public abstract class OutboxQueryPlanTests(ChaperoneApp app)
{
    [Fact]
    public async Task TheWorkerReadsBackItsClaimThroughTheIndexOfClaimedRows()
    {
        var plan = await app.PlanAsync(db => OutboxWorker.ClaimedBy(db, Guid.NewGuid()));

        Assert.Contains("IX_OutboxMessages_Claimed", plan);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.DoesNotContain(plan.Split('\n'), line => line.Trim() == "SCAN OutboxMessages");
    }

    [Fact]
    public async Task TheWorkerFindsDueMessagesThroughTheIndexOfStatusAndDueTime()
    {
        var plan = await app.PlanAsync(db => OutboxWorker.Due(db, app.Clock.GetUtcNow()).OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(64));

        Assert.Contains("IX_OutboxMessages_Status_NextAttemptAt", plan);
    }
}

public sealed class OutboxQueryPlanOnSqlite(ChaperoneApp app) : OutboxQueryPlanTests(app), IClassFixture<ChaperoneApp>;

public sealed class OutboxQueryPlanOnPostgres(PostgresChaperoneApp app) : OutboxQueryPlanTests(app), IClassFixture<PostgresChaperoneApp>;
