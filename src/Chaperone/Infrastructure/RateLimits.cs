using System.Threading.RateLimiting;

namespace Chaperone.Identity;

public static class RateLimits
{
    public const string Login = "login";

    /// <summary>Sign-in attempts are limited per client address, to slow password guessing.</summary>
    public static IServiceCollection AddChaperoneRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Login, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = 600, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
        });
}
