using System.Threading.Channels;

namespace Chaperone.Infrastructure;

/// <summary>
/// Wakes a background worker of this instance at once rather than at its next look; many wakes
/// before the worker looks count as one.
/// </summary>
public class WakeSignal
{
    private readonly Channel<bool> _pulses = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Asks the worker to look now; a pulse already pending is enough (cheap, never throws).</summary>
    public void Wake() => _pulses.Writer.TryWrite(true);

    /// <summary>
    /// Waits for a pulse or until <paramref name="due"/> by <paramref name="clock"/>. The moment is
    /// absolute, so a worker passes the time it last looked plus its interval: if the clock moved on
    /// while it worked (a test clock set forward, say), the wait ends at that moment rather than a
    /// whole interval after the clock was read again.
    /// </summary>
    public async Task WaitUntilAsync(DateTimeOffset due, TimeProvider clock, CancellationToken ct)
    {
        if (_pulses.Reader.TryRead(out _))
        {
            return;
        }
        var now = clock.GetUtcNow();
        if (now >= due)
        {
            ct.ThrowIfCancellationRequested();
            return;
        }
        using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timer = Task.Delay(due - now, clock, waitCts.Token);
        // A timer counts from the clock as it is when the timer starts. If the clock passed the
        // moment in between (a test clock set forward), this timer would end late: end now.
        if (clock.GetUtcNow() >= due)
        {
            await waitCts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return;
        }
        // A read that is cancelled takes nothing, so a pulse that arrives after the wait ends waits for the next look.
        var pulse = _pulses.Reader.WaitToReadAsync(waitCts.Token).AsTask();
        await Task.WhenAny(timer, pulse);
        await waitCts.CancelAsync();
        _pulses.Reader.TryRead(out _);
        ct.ThrowIfCancellationRequested();
    }
}
