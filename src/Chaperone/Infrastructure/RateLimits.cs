using System.Threading.RateLimiting;

namespace Chaperone.Identity;

public static class RateLimits
{
    public const string Login = "login";
    public const string Family = "family";
    public const string Calendar = "calendar";

    /// <summary>
    /// Calendar feed fetches a client address may make in a minute. Calendar services fetch
    /// subscribed feeds from a few addresses of their own, so the limit is per address but wide;
    /// it stops anyone hammering the feed or trying addresses, not a calendar keeping up to date.
    /// </summary>
    public const int CalendarRequestsPerMinute = 300;

    /// <summary>Requests a client address may make to the family pages and API in a minute, unless <c>Families:RequestsPerMinute</c> says otherwise.</summary>
    public const int DefaultFamilyRequestsPerMinute = 60;

    /// <summary>
    /// Requests a client address may make to the sign-in pages and endpoints in a minute, unless
    /// <c>Identity:SignInRequestsPerMinute</c> says otherwise (a trust whose staff all reach the
    /// installation through one address may need more).
    /// </summary>
    public const int DefaultSignInRequestsPerMinute = 600;

    /// <summary>
    /// Sign-in attempts are limited per client address, to slow password guessing; so are the
    /// family pages and the calendar feeds, which open without an account, to slow anyone trying links.
    /// </summary>
    public static IServiceCollection AddChaperoneRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var familyPermits = Math.Max(1, configuration.GetValue<int?>("Families:RequestsPerMinute") ?? DefaultFamilyRequestsPerMinute);
        var signInPermits = Math.Max(1, configuration.GetValue<int?>("Identity:SignInRequestsPerMinute") ?? DefaultSignInRequestsPerMinute);
        return services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Login, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = signInPermits, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
            o.AddPolicy(Family, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = familyPermits, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
            o.AddPolicy(Calendar, context => RateLimitPartition.GetSlidingWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new SlidingWindowRateLimiterOptions { PermitLimit = CalendarRequestsPerMinute, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6 }));
        });
    }
}
