using System.Threading.RateLimiting;

namespace Chaperone.Identity;

public static class RateLimits
{
    public const string Login = "login";
    public const string Family = "family";

    /// <summary>Requests a client address may make to the family pages and API in a minute, unless <c>Families:RequestsPerMinute</c> says otherwise.</summary>
    public const int DefaultFamilyRequestsPerMinute = 60;

    /// <summary>
    /// Sign-in attempts are limited per client address, to slow password guessing; so are the
    /// family pages, which open without an account, to slow anyone trying links.
    /// </summary>
    public static IServiceCollection AddChaperoneRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var familyPermits = Math.Max(1, configuration.GetValue<int?>("Families:RequestsPerMinute") ?? DefaultFamilyRequestsPerMinute);
        return services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Login, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = 600, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
            o.AddPolicy(Family, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = familyPermits, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
        });
    }
}
