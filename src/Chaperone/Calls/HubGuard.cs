using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;

namespace Chaperone.Calls;

/// <summary>
/// Every hub message passes here: a connection that sends faster than <see cref="PerSecond"/>
/// (beyond a burst of <see cref="Burst"/>) has the excess refused, and a message the hub cannot
/// bind is refused; both are logged, and nobody else's call notices.
/// </summary>
public sealed class HubGuard(ILogger<HubGuard> logger) : IHubFilter
{
    public const double PerSecond = 40;
    public const double Burst = 200;

    private sealed class Bucket
    {
        public double Tokens = Burst;
        public long Stamp;
        public long LastWarning;
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var items = invocationContext.Context.Items;
        if (!items.TryGetValue(nameof(Bucket), out var value) || value is not Bucket bucket)
        {
            bucket = new Bucket { Stamp = Stopwatch.GetTimestamp() };
            items[nameof(Bucket)] = bucket;
        }
        bool allowed;
        lock (bucket)
        {
            // A rate is measured on the machine's monotonic clock, not the app's (possibly fake) time of day.
            var now = Stopwatch.GetTimestamp();
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + Stopwatch.GetElapsedTime(bucket.Stamp, now).TotalSeconds * PerSecond);
            bucket.Stamp = now;
            allowed = bucket.Tokens >= 1;
            if (allowed)
            {
                bucket.Tokens -= 1;
            }
            else if (Stopwatch.GetElapsedTime(bucket.LastWarning, now) > TimeSpan.FromSeconds(5))
            {
                bucket.LastWarning = now;
                logger.LogWarning("Connection {Connection} is flooding the call hub; its excess messages are refused.", invocationContext.Context.ConnectionId);
            }
        }
        if (!allowed)
        {
            return new HubAnswer(false, "Too many messages; slow down.");
        }
        return await next(invocationContext);
    }
}
