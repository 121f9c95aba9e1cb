using Chaperone.Notifications;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Bench;

/// <summary>
/// Whether bookings in the benchmark write their emails. Off only for the baseline of the
/// notification cost (issue 3: booking throughput with notifications at least 80% of it without);
/// the product always notifies, and every other measure runs with notifications on.
/// </summary>
public sealed class NotificationSwitch
{
    private volatile bool _on = true;

    public bool On
    {
        get => _on;
        set => _on = value;
    }

    /// <summary>Puts the switch in front of the product's booking notifications.</summary>
    public static void Register(IServiceCollection services, NotificationSwitch notifications)
    {
        services.AddSingleton(notifications);
        services.AddScoped<IBookingNotifications, SwitchedBookingNotifications>();
    }

    private sealed class SwitchedBookingNotifications(SessionNotifications product, NotificationSwitch notifications) : IBookingNotifications
    {
        public Task<List<OutboxMessage>> ComposeBookedAsync(Session session, BookingPeople people, PolicySettings settings, CancellationToken ct) =>
            notifications.On ? product.ComposeBookedAsync(session, people, settings, ct) : Task.FromResult(new List<OutboxMessage>());
    }
}

/// <summary>The outbox as the benchmark sees it: messages due now, and waiting for the worker to send them.</summary>
public static class OutboxState
{
    public static async Task<(int Total, int Sent, int Due)> CountAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var total = await db.OutboxMessages.CountAsync();
        var sent = await db.OutboxMessages.CountAsync(m => m.Status == MessageStatus.Sent);
        var due = await db.OutboxMessages.CountAsync(m => m.Status == MessageStatus.Pending && m.NextAttemptAt <= now);
        return (total, sent, due);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until the worker has sent every message due; returns how long it took.</summary>
    public static async Task<TimeSpan> DrainAsync(IServiceProvider services, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < limit && (await CountAsync(services)).Due > 0)
        {
            await Task.Delay(100);
        }
        return clock.Elapsed;
    }
}
