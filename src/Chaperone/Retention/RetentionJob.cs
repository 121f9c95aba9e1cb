using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Retention;

/// <summary>
/// One run of retention: every registered <see cref="IRetentionApplier"/> for every school, then
/// the pending recording deletions (including any left by a run that died midway).
/// </summary>
public sealed class RetentionJob(IServiceScopeFactory scopes, RecordingDeletion deletion, TimeProvider clock, ILogger<RetentionJob> log) : IDisposable
{
    // One run at a time in this process (the worker, and a command-line or test run); across
    // instances the register's unique index keeps each deletion registered once.
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Runs retention now, after any run already in progress here.</summary>
    public async Task<DateTimeOffset?> RunAsync(CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            return await RunOnceAsync(ct);
        }
        finally
        {
            _running.Release();
        }
    }

    public void Dispose() => _running.Dispose();

    /// <summary>Runs retention; returns when it should next run early: a school's next face-to-face date, or a provider-copy retry (null when none is ahead).</summary>
    private async Task<DateTimeOffset?> RunOnceAsync(CancellationToken ct)
    {
        DateTimeOffset? next = null;
        List<(Guid Id, string Zone)> schools;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            schools = (await db.Schools.AsNoTracking().Select(s => new { s.Id, s.TimeZoneId }).ToListAsync(ct)).Select(s => (s.Id, s.TimeZoneId)).ToList();
        }
        using (RecordingDeletion.Tracing.StartActivity("retention.appliers"))
        {
            foreach (var (schoolId, zoneId) in schools)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
                var settings = await db.Set<RetentionSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct) ?? new RetentionSettings { SchoolId = schoolId };
                var retention = new RetentionScope(schoolId, settings, PolicySettings.ZoneOrDefault(zoneId), clock.GetUtcNow());
                foreach (var applier in scope.ServiceProvider.GetServices<IRetentionApplier>())
                {
                    var count = await applier.ApplyAsync(retention, ct);
                    if (count > 0)
                    {
                        log.LogInformation("Retention: {RecordType} of school {School}: {Count} ({Rule}).", applier.RecordType, schoolId, count, applier.Implements);
                    }
                }
                if (FaceToFaceRecordingsApplier.Cutoff(settings, retention.Zone) is { } cutoff && cutoff > retention.Now && (next is null || cutoff < next))
                {
                    next = cutoff;
                }
            }
        }
        var deleted = await deletion.ProcessPendingAsync(ct);
        if (deleted > 0)
        {
            log.LogInformation("Retention deleted {Count} recordings.", deleted);
        }
        await using (var scope = scopes.CreateAsyncScope())
        {
            // A provider copy whose deletion failed is tried again when its back-off ends.
            var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            var retry = await db.Set<Recordings.Recording>().Where(r => r.ProviderHoldsCopy && r.DeletedAt != null && r.ProviderCopyNextAttemptAt != null)
                .Select(r => r.ProviderCopyNextAttemptAt).OrderBy(t => t).FirstOrDefaultAsync(ct);
            if (retry is { } at && (next is null || at < next))
            {
                next = at;
            }
        }
        return next;
    }
}

/// <summary>Wakes the <see cref="RetentionWorker"/> at once (a face-to-face date was set, a hold lifted).</summary>
public sealed class RetentionSignal : Infrastructure.WakeSignal;

/// <summary>
/// The scheduled retention job, on the injected clock: at start-up (which also resumes deletions a
/// crash left pending), when woken, at the start of a school's face-to-face date, and every
/// <c>Retention:IntervalMinutes</c> (default 60) for the retention periods and provider-copy retries.
/// </summary>
public sealed class RetentionWorker(RetentionJob job, RetentionSignal signal, TimeProvider clock, IConfiguration configuration, ILogger<RetentionWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var interval = TimeSpan.FromMinutes(Math.Max(1, configuration.GetValue("Retention:IntervalMinutes", 60)));
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = clock.GetUtcNow() + interval;
            try
            {
                if (await job.RunAsync(stoppingToken) is { } next && next < due)
                {
                    due = next;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database or disk unavailable, say: what is pending stays pending; try again later.
                log.LogError(e, "The retention job failed; it will try again.");
            }
            try
            {
                await signal.WaitUntilAsync(due, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
