using System.Threading.Channels;

namespace Chaperone.Infrastructure;

/// <summary>
/// Wakes a background worker of this instance at once rather than at its next poll; many wakes
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

    /// <summary>Waits for a pulse or for <paramref name="timeout"/> (measured by <paramref name="clock"/>).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        if (_pulses.Reader.TryRead(out _))
        {
            return;
        }
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(timeout, clock, timeoutCts.Token);
        // A read that is cancelled takes nothing, so a pulse that arrives after the timeout waits for the next look.
        var pulse = _pulses.Reader.WaitToReadAsync(timeoutCts.Token).AsTask();
        await Task.WhenAny(delay, pulse);
        await timeoutCts.CancelAsync();
        _pulses.Reader.TryRead(out _);
        ct.ThrowIfCancellationRequested();
    }
}
