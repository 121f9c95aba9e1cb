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
        services.AddScoped<TeamsRecordingFeed>();
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
    // Compiled once: it runs on every booking.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, CancellationToken, Task<TeamsSchoolSettings?>>> SettingsQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
            db.Set<TeamsSchoolSettings>().AsNoTracking().FirstOrDefault(s => s.SchoolId == schoolId)));

    public static async Task<(string? Provider, string? Error)> ResolveAsync(ChaperoneDbContext db, Guid schoolId, string? requested, CancellationToken ct)
    {
        var settings = await SettingsQuery.For(db)(db, schoolId, ct);
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
