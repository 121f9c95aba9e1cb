using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Teams;

public static class TeamsSetup
{
    /// <summary>
    /// The Teams provider's services. Graph calls use the standard resilience handler: retries
    /// with exponential back-off on 429 (honouring Retry-After), 408 and 5xx, with attempt and
    /// total timeouts and a circuit breaker.
    /// </summary>
    public static IServiceCollection AddTeams(this IServiceCollection services)
    {
        services.AddHttpClient(TeamsConnections.GraphClientName).AddStandardResilienceHandler();
        services.AddHttpClient(TeamsConnections.TokenClientName);
        services.AddSingleton<TeamsConnections>();
        services.AddScoped<TeamsMeetings>();
        services.AddScoped<Calls.ICallProvider, TeamsCallProvider>();
        services.AddScoped<TeamsConnectionTest>();
        services.AddSingleton<TeamsWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TeamsWorker>());
        return services;
    }
}

/// <summary>Which call provider a booking gets: the one asked for if the school allows it, else the school's default.</summary>
public static class ProviderChoice
{
    public static async Task<(string? Provider, string? Error)> ResolveAsync(ChaperoneDbContext db, Guid schoolId, string? requested, CancellationToken ct)
    {
        var settings = await db.Set<TeamsSchoolSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct);
        var fallback = settings?.DefaultProvider ?? CallProviders.BuiltIn;
        if (requested is null || requested == fallback)
        {
            return (fallback, null);
        }
        if (settings?.AllowPerSession == true)
        {
            return (requested, null);
        }
        return (null, requested == CallProviders.Teams
            ? "Microsoft Teams is not this school's call provider; use 'builtin' or leave provider out."
            : "This school holds its calls in Microsoft Teams; use 'teams' or leave provider out.");
    }
}
