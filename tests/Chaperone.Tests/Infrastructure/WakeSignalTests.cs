using Chaperone.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A worker's wait for its next look: until a moment by the injected clock, or a wake. The moment
/// is absolute, so time that passed while the worker worked counts.
/// </summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AMomentTheClockHasAlreadyPassedEndsTheWaitAtOnce()
    {
        var signal = new WakeSignal();
        var lookedAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(2)); // while the worker was busy

        var wait = signal.WaitUntilAsync(lookedAt + TimeSpan.FromSeconds(15), _clock, CancellationToken.None);

        Assert.True(wait.IsCompletedSuccessfully);
        await wait;
    }

    [Fact]
    public async Task TheWaitEndsWhenTheClockReachesTheMomentAndNotBefore()
    {
        var signal = new WakeSignal();
        var wait = signal.WaitUntilAsync(_clock.GetUtcNow() + TimeSpan.FromSeconds(15), _clock, CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(14));
        await Task.Delay(100);
        Assert.False(wait.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await wait.WaitAsync(Patience);
    }

    [Fact]
    public async Task AWakeEndsTheWaitAndWakesBeforeALookCountAsOne()
    {
        var signal = new WakeSignal();
        var due = _clock.GetUtcNow() + TimeSpan.FromMinutes(1);
        var wait = signal.WaitUntilAsync(due, _clock, CancellationToken.None);

        signal.Wake();
        await wait.WaitAsync(Patience);

        signal.Wake();
        signal.Wake();
        await signal.WaitUntilAsync(due, _clock, CancellationToken.None).WaitAsync(Patience); // the pending wake
        var next = signal.WaitUntilAsync(due, _clock, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(next.IsCompleted); // the second wake was the same one
        signal.Wake();
        await next.WaitAsync(Patience);
    }

    [Fact]
    public async Task StoppingEndsTheWaitWithCancellation()
    {
        var signal = new WakeSignal();
        using var stop = new CancellationTokenSource();
        var wait = signal.WaitUntilAsync(_clock.GetUtcNow() + TimeSpan.FromMinutes(1), _clock, stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Patience));
    }
}
