namespace Chaperone.Infrastructure;

/// <summary>
/// A background job that runs one pass, then waits its interval on the injected clock, until the
/// app stops. A pass that fails is logged and the next pass runs after the interval as usual
/// (the database unreachable, say: what was due is still due then). Each pass is public, so
/// tests and commands run one directly.
/// </summary>
public abstract class PeriodicWorker(TimeProvider clock, ILogger log) : BackgroundService
{
    /// <summary>The app's one clock.</summary>
    protected TimeProvider Clock { get; } = clock;

    protected ILogger Log { get; } = log;

    /// <summary>How long to wait after each pass.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether this worker runs at all in this instance.</summary>
    protected virtual bool Enabled => true;

    /// <summary>One pass over what is due now.</summary>
    public abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        // Let the host finish starting (and migrations finish) before the first pass.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Log.LogError(e, "{Worker} failed; it runs again in {Interval}.", GetType().Name, Interval);
            }
            try
            {
                await Task.Delay(Interval, Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
