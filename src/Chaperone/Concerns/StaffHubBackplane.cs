using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace Chaperone.Concerns;

/// <summary>
/// Live concern alerts across instances. With several instances of one installation, the DSL's
/// page may be connected to one instance while the concern is raised on another; set
/// <c>SignalR:Redis</c> (a StackExchange.Redis configuration string) and the staff hub
/// (<see cref="StaffHub"/>) sends its alerts through that Redis server's publish and subscribe,
/// so they reach every instance's connections (SignalR's Redis backplane).
/// </summary>
/// <remarks>
/// Only the staff hub goes through Redis. A built-in call's room lives on one instance, and the
/// call hub only ever sends to connections of that room on that instance, so it keeps SignalR's
/// in-process delivery: calls do not depend on Redis, and go on while it is unreachable. While
/// Redis is unreachable, staff pages cannot join the live channel and an alert is not pushed
/// (logged); the concern, its emails and the inbox are in the database, as without live alerts.
/// </remarks>
public static class StaffHubBackplane
{
    public const string Setting = "SignalR:Redis";

    /// <summary>Channels are named under this prefix (<c>SignalR:RedisChannelPrefix</c>), so several installations can share a Redis server.</summary>
    public const string DefaultChannelPrefix = "chaperone";

    public static IServiceCollection AddStaffHubBackplane(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[Setting] is not { Length: > 0 } redis)
        {
            return services;
        }
        var options = Parse(redis);
        var prefix = configuration["SignalR:RedisChannelPrefix"] is { Length: > 0 } p ? p : DefaultChannelPrefix;
        options.ChannelPrefix = RedisChannel.Literal(prefix);
        services.Configure<RedisOptions>(o => o.Configuration = options);
        // For this hub only; every other hub keeps the in-process manager of AddSignalR.
        services.AddSingleton<HubLifetimeManager<StaffHub>, RedisHubLifetimeManager<StaffHub>>();
        return services;
    }

    /// <summary>The configuration string read at start, so that a mistake stops the app with the setting named rather than at the first alert.</summary>
    private static ConfigurationOptions Parse(string redis)
    {
        try
        {
            return ConfigurationOptions.Parse(redis);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{Setting} is not a Redis configuration string such as 'redis.example:6379,password=...,ssl=true' ({e.Message}).", e);
        }
    }
}
