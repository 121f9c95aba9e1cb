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

/// <summary>A school's call providers for bookings: the default, and whether a booking may choose the other.</summary>
public sealed record ProviderSettings(string DefaultProvider, bool AllowPerSession)
{
    /// <summary>A school that has not set up Teams: the built-in room only.</summary>
    public static readonly ProviderSettings Default = new(CallProviders.BuiltIn, false);
}

/// <summary>Which call provider a booking gets: the one asked for if the school allows it, else the school's default.</summary>
public static class ProviderChoice
{
    // Compiled once: it runs whenever a school's settings are read for bookings (BookingFacts).
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, CancellationToken, Task<TeamsSchoolSettings?>>> SettingsQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
            db.Set<TeamsSchoolSettings>().AsNoTracking().FirstOrDefault(s => s.SchoolId == schoolId)));

    /// <summary>The school's choice of call provider, as bookings consume it.</summary>
    public static async Task<ProviderSettings> LoadAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        await SettingsQuery.For(db)(db, schoolId, ct) is { } s ? new ProviderSettings(s.DefaultProvider, s.AllowPerSession) : ProviderSettings.Default;

    /// <summary>The provider of a new session: the one requested if the school allows it, else the school's default; or why not.</summary>
    public static (string? Provider, string? Error) Resolve(ProviderSettings settings, string? requested)
    {
        var fallback = settings.DefaultProvider;
        if (requested is null || requested == fallback)
        {
            return (fallback, null);
        }
        if (settings.AllowPerSession)
        {
            return (requested, null);
        }
        return (null, requested == CallProviders.Teams
            ? "Microsoft Teams is not this school's call provider; use 'builtin' or leave provider out."
            : "This school holds its calls in Microsoft Teams; use 'teams' or leave provider out.");
    }
}
