using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Chaperone.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Graph;

namespace Chaperone.Teams;

/// <summary>The installation's Microsoft Entra app registration and Graph endpoints (<c>Teams:*</c> configuration).</summary>
public sealed class TeamsOptions
{
    public string? TenantId { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string GraphBaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";
    public string AuthorityHost { get; set; } = "https://login.microsoftonline.com/";
    /// <summary>How often the background worker looks for meetings to create, lock and read back.</summary>
    public int WorkerIntervalSeconds { get; set; } = 60;
    /// <summary>Whether the background worker runs in this process (off for a web node that should not, and in tests that drive it).</summary>
    public bool RunWorker { get; set; } = true;
}

/// <summary>The application permissions Chaperone needs, each with why (shown by the connection test and in the README).</summary>
public static class TeamsPermissions
{
    public static IReadOnlyList<(string Name, string Why)> Required { get; } =
    [
        ("Calendars.ReadWrite", "create, move and cancel the calendar event behind each session's meeting"),
        ("OnlineMeetings.ReadWrite.All", "find the event's online meeting and set, read back and lock its safeguarding options"),
        ("OnlineMeetingArtifact.Read.All", "read attendance reports after the call"),
        ("OnlineMeetingRecording.Read.All", "read and copy the recordings"),
        ("Files.ReadWrite.All", "delete Teams' copy of a recording (in the organizer's OneDrive) at retention"),
        ("User.Read.All", "check that each mapped teacher exists and holds a licence"),
    ];
}

/// <summary>A school's resolved app registration: configuration, overridden by the school's own.</summary>
public sealed record TeamsRegistration(string TenantId, string ClientId, string ClientSecret);

/// <summary>What <see cref="TeamsConnections.ConnectAsync"/> gives: a Graph client, or why there is none.</summary>
public abstract record TeamsConnection
{
    public sealed record Ready(GraphServiceClient Graph, TokenCredential Credential, string Scope) : TeamsConnection;
    public sealed record NotConfigured(string Missing) : TeamsConnection;
}

/// <summary>
/// Builds Graph clients per school. Graph traffic goes through the named HttpClient
/// <see cref="GraphClientName"/> (standard resilience handler: 429 Retry-After honoured, 5xx
/// retried with back-off); token requests through <see cref="TokenClientName"/>.
/// Credentials are cached per registration so that tokens are reused.
/// </summary>
public sealed class TeamsConnections(IConfiguration configuration, IHttpClientFactory http, IDataProtectionProvider protection)
{
    public const string GraphClientName = "teams-graph";
    public const string TokenClientName = "teams-token";
    private const string SecretPurpose = "Chaperone.Teams.ClientSecret";

    private readonly ConcurrentDictionary<string, TokenCredential> _credentials = new();

    public TeamsOptions Options => configuration.GetSection("Teams").Get<TeamsOptions>() ?? new TeamsOptions();

    public string Protect(string secret) => protection.CreateProtector(SecretPurpose).Protect(secret);

    private string? Unprotect(string? protectedSecret)
    {
        if (protectedSecret is null)
        {
            return null;
        }
        try
        {
            return protection.CreateProtector(SecretPurpose).Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            return null; // keys lost or rotated away: treated as not set, and the test says so
        }
    }

    /// <summary>The school's registration, or which parts are missing.</summary>
    public async Task<(TeamsRegistration? Registration, string? Missing)> RegistrationAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var settings = await db.Set<TeamsSchoolSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct);
        var options = Options;
        var tenant = Pick(settings?.TenantId, options.TenantId);
        var client = Pick(settings?.ClientId, options.ClientId);
        var secret = Pick(Unprotect(settings?.ProtectedClientSecret), options.ClientSecret);
        var missing = new List<string>();
        if (tenant is null) missing.Add("the tenant id");
        if (client is null) missing.Add("the application (client) id");
        if (secret is null) missing.Add("the client secret");
        return missing.Count > 0
            ? (null, $"The Microsoft Entra app registration is incomplete: {string.Join(", ", missing)} not set.")
            : (new TeamsRegistration(tenant!, client!, secret!), null);
    }

    public async Task<TeamsConnection> ConnectAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var (registration, missing) = await RegistrationAsync(db, schoolId, ct);
        if (registration is null)
        {
            return new TeamsConnection.NotConfigured(missing!);
        }
        var options = Options;
        var credential = CredentialFor(registration, options);
        var baseUrl = options.GraphBaseUrl.TrimEnd('/');
        var scope = ScopeFor(baseUrl);
        var graph = new GraphServiceClient(http.CreateClient(GraphClientName), credential, [scope], baseUrl);
        return new TeamsConnection.Ready(graph, credential, scope);
    }

    /// <summary>Graph's resource is the base URL's origin (graph.microsoft.com, graph.microsoft.us, …).</summary>
    private static string ScopeFor(string baseUrl) => new Uri(baseUrl).GetLeftPart(UriPartial.Authority) + "/.default";

    private TokenCredential CredentialFor(TeamsRegistration r, TeamsOptions options)
    {
        // The key holds a hash of the secret, so a changed secret makes a new credential.
        var key = $"{options.AuthorityHost}|{r.TenantId}|{r.ClientId}|{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(r.ClientSecret)))}";
        return _credentials.GetOrAdd(key, _ => new ClientSecretCredential(r.TenantId, r.ClientId, r.ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = new Uri(options.AuthorityHost),
            // National clouds and test servers are not in Microsoft's instance list.
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(http.CreateClient(TokenClientName)),
        }));
    }

    private static string? Pick(string? school, string? installation) =>
        !string.IsNullOrWhiteSpace(school) ? school.Trim() : !string.IsNullOrWhiteSpace(installation) ? installation.Trim() : null;
}
