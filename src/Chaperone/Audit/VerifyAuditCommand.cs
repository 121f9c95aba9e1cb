using Chaperone.Storage;

namespace Chaperone.Audit;

/// <summary>
/// <c>verify-audit</c>: verifies every school's audit chain and prints one line per school.
/// Exit code 0 when every chain is intact, 1 when any is not.
/// </summary>
public static class VerifyAuditCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var schools = await AuditVerifier.SchoolsAsync(db, ct);
        var names = db.Schools.Where(s => schools.Contains(s.Id)).ToDictionary(s => s.Id, s => s.Name);
        var intact = true;
        foreach (var school in schools)
        {
            var result = await AuditVerifier.VerifyAsync(db, school, now, ct);
            intact &= result.Valid;
            await output.WriteLineAsync($"{(result.Valid ? "OK  " : "FAIL")} {names.GetValueOrDefault(school, school.ToString())}: {AuditVerifier.Describe(result)}");
        }
        await output.WriteLineAsync(intact
            ? $"Every audit trail is intact ({schools.Count} schools)."
            : "An audit trail has been tampered with: see FAIL above.");
        return intact ? 0 : 1;
    }
}

public static class AuditSetup
{
    /// <summary>The audit trail: the interceptor that stamps and signals, and the background sealer.</summary>
    public static IServiceCollection AddChaperoneAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditSignal>();
        services.AddSingleton<AuditSaveInterceptor>();
        services.AddSingleton<AuditSealer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditSealer>());
        return services;
    }
}
