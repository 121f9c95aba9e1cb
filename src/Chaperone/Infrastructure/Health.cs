using Chaperone.Concerns;
using Chaperone.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chaperone.Infrastructure;

/// <summary>
/// Health endpoints for a load balancer or an orchestrator, open without signing in and saying
/// only <c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>:
/// <list type="bullet">
/// <item><c>/health/live</c>: the process answers requests (restart it if not);</item>
/// <item><c>/health/ready</c>: it can serve them. 503 when the database cannot be reached or has
/// migrations not yet applied (an instance started before <c>migrate</c> ran); <c>Degraded</c>
/// (still 200) when the Redis server of live alerts (<c>SignalR:Redis</c>) cannot be reached,
/// since everything else still works and taking every instance out for it would stop the school;
/// <c>Degraded</c> too when the recordings' Azure Blob Storage container cannot be reached
/// (<c>Recordings:Store=AzureBlob</c>): calls go on, and a recording's upload fails and is retried by the browser;
/// and <c>Degraded</c> when the call room's TURN relay (<c>Calls:Turn:Urls</c>) does not answer
/// (<see cref="Calls.TurnServerCheck"/>).</item>
/// </list>
/// </summary>
public static class Health
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddChaperoneHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddDbContextCheck<ChaperoneDbContext>("database", HealthStatus.Unhealthy, [ReadyTag],
            customTestQuery: async (db, ct) => await db.Database.CanConnectAsync(ct) && !(await db.Database.GetPendingMigrationsAsync(ct)).Any());
        if (configuration[StaffHubBackplane.Setting] is { Length: > 0 } redis)
        {
            checks.AddRedis(redis, "redis", HealthStatus.Degraded, [ReadyTag], TimeSpan.FromSeconds(5));
        }
        checks.AddCheck<RecordingsStoreCheck>("recordings", HealthStatus.Degraded, [ReadyTag], TimeSpan.FromSeconds(5));
        // One check for the app's life, which remembers the relay's last grant (see the check);
        // healthy at once when no TURN relay is set (the CallNetwork singleton has read the settings).
        services.AddSingleton<Calls.TurnServerCheck>();
        checks.AddCheck<Calls.TurnServerCheck>("turn", HealthStatus.Degraded, [ReadyTag], TimeSpan.FromSeconds(5));
        return services;
    }

    /// <summary>Whether the recordings' store can be reached: the Azure Blob Storage container when one is configured; the file system always can.</summary>
    private sealed class RecordingsStoreCheck(Recordings.IRecordingBlobs blobs) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            blobs is not Recordings.AzureRecordingBlobs azure || await azure.ReachableAsync(ct)
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus);
    }

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
    }
}
