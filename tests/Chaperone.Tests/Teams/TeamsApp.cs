using System.Net.Http.Json;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Teams;

/// <summary>The app with the installation's Teams registration pointing at a <see cref="GraphOnLoopback"/>; the worker is driven by the tests.</summary>
public class TeamsApp : ChaperoneApp
{
    public TeamsApp() : this(Db.Sqlite) { }

    protected TeamsApp(Db db) : base(db) { }

    public GraphOnLoopback Graph { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Teams:TenantId", GraphOnLoopback.TenantId);
        builder.UseSetting("Teams:ClientId", GraphOnLoopback.ClientId);
        builder.UseSetting("Teams:ClientSecret", GraphOnLoopback.ClientSecret);
        builder.UseSetting("Teams:GraphBaseUrl", Graph.GraphBaseUrl);
        builder.UseSetting("Teams:AuthorityHost", Graph.AuthorityHost);
        builder.UseSetting("Teams:RunWorker", "false");
        builder.ConfigureServices(services =>
            // The stand-in authority's certificate is self-signed; trust it, and only on loopback.
            services.AddHttpClient(TeamsConnections.TokenClientName).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (request, _, _, _) => request.RequestUri?.Host == "127.0.0.1" || request.RequestUri?.Host == "localhost",
            }));
    }

    /// <summary>Makes Teams the school's provider and maps its teacher to a fresh Microsoft 365 object id, which is returned.</summary>
    public async Task<string> UseTeamsAsync(TestSchool school, bool allowPerSession = false)
    {
        using var admin = await school.AdminAsync(this);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new { defaultProvider = "teams", allowPerSession })).EnsureSuccessStatusCode();
        var user = Guid.NewGuid().ToString();
        (await admin.PutAsJsonAsync($"/api/v1/teams/accounts/{school.TeacherId}", new { userId = user })).EnsureSuccessStatusCode();
        return user;
    }

    public async Task<T> WithTeamsAsync<T>(Func<TeamsMeetings, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TeamsMeetings>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Graph.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class PostgresTeamsApp : TeamsApp
{
    public PostgresTeamsApp() : base(Db.Postgres) { }
}
