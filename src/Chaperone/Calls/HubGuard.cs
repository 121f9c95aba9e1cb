using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;

namespace Chaperone.Calls;

/// <summary>
/// Every hub message the hub can read passes here: a connection that sends faster than
/// <see cref="PerSecond"/> (beyond a burst of <see cref="Burst"/>) has the excess refused and is
/// logged with its session; nobody else's call notices.
/// <para>
/// Two kinds of malformed message never reach a hub filter's invocation step. One that is not
/// the protocol's JSON (or is over <see cref="CallSetup.MaxHubMessageBytes"/>) makes SignalR close
/// the sender's connection: that closing comes through <see cref="OnDisconnectedAsync"/> with the
/// error, and is logged here with the session. One whose arguments do not bind to the method
/// (wrong number or types) is answered with an error by SignalR itself, before any filter, and
/// logged only by SignalR (at debug level, as <c>InvalidHubParameters</c>, without the session).
/// </para>
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
                logger.LogWarning("Connection {Connection} ({Session}) is flooding the call hub; its excess messages are refused.",
                    invocationContext.Context.ConnectionId, SessionOf(invocationContext.Context));
            }
        }
        if (!allowed)
        {
            return new HubAnswer(false, "Too many messages; slow down.");
        }
        return await next(invocationContext);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (exception is InvalidDataException)
        {
            logger.LogWarning(exception, "Closed connection {Connection} ({Session}): it sent a message the call hub cannot read.",
                context.Context.ConnectionId, SessionOf(context.Context));
        }
        return next(context, exception);
    }

    /// <summary>The session and party a connection joined as, for the log (none before it joins a room).</summary>
    private static string SessionOf(HubCallerContext context) =>
        context.Items.TryGetValue(nameof(Membership), out var m) && m is Membership member
            ? $"session {member.SessionId}, {member.Party}"
            : "no session joined";
}
