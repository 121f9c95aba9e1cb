namespace Chaperone.Notifications;

/// <summary>
/// Wakes this instance's <see cref="OutboxWorker"/> as soon as a change that wrote messages has
/// committed, so a booking's email leaves at once rather than at the next poll.
/// </summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _pulses = new(0, 1);

    public void Dispose() => _pulses.Dispose();

    public void Wake()
    {
        try
        {
            _pulses.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake or about to be: one pending pulse is enough.
        }
    }

    /// <summary>Waits for a pulse or for <paramref name="timeout"/> (measured by <paramref name="clock"/>).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(timeout, clock, timeoutCts.Token);
        var pulse = _pulses.WaitAsync(timeoutCts.Token);
        await Task.WhenAny(delay, pulse);
        await timeoutCts.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }
}
