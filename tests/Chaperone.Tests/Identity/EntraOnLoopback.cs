using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chaperone.Tests.Identity;

/// <summary>
/// A real HTTP server on loopback standing in for Microsoft Entra ID's sign-in endpoints, as an
/// OpenID Connect provider for any tenant and, as Microsoft's, for <c>organizations</c> (whose
/// discovery names no one issuer): discovery, signing keys, the authorize endpoint (where
/// <see cref="Next"/> "signs in" and the browser is sent back with a code), the token endpoint
/// (which checks the client's secret and its PKCE verifier, and answers with an RS256-signed ID token
/// carrying the nonce, on the app's clock) and the end-session endpoint (which notes the sign-out and
/// sends the browser back). Times come from <c>now</c>, as Microsoft's own clock would be the real one.
/// </summary>
public sealed class EntraOnLoopback : IAsyncDisposable
{
    public const string TenantId = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    public const string ClientId = "chaperone-sign-in-client";
    public const string ClientSecret = "sign-in-client-secret-value";

    /// <summary>
    /// A Microsoft account: its object id, its sign-in name (preferred_username), its name, and the
    /// tenant it lives in; <c>IssuerTenant</c>, when set, signs its token as another tenant's issuer (a forgery of sorts).
    /// </summary>
    public sealed record Account(string ObjectId, string Username, string Name, string Tenant = TenantId, string? IssuerTenant = null);

    private readonly WebApplication _server;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "stand-in-key" };
    private readonly ConcurrentDictionary<string, (Account Who, string? Nonce, string? Challenge, string RedirectUri)> _codes = new();
    private readonly Func<DateTimeOffset> _now;

    /// <summary>Who signs in at the next visit to the authorize endpoint; null: the person cancels.</summary>
    public Account? Next { get; set; }

    /// <summary>The ID tokens issued, in order.</summary>
    public ConcurrentQueue<string> Issued { get; } = new();

    /// <summary>The query of each visit to the authorize endpoint, in order.</summary>
    public ConcurrentQueue<IQueryCollection> Authorizations { get; } = new();

    /// <summary>Where each visit to the end-session endpoint asked to be sent back to, in order.</summary>
    public ConcurrentQueue<string> SignOuts { get; } = new();

    public string BaseUrl { get; }

    /// <summary>The <c>Entra:Instance</c> to give the app.</summary>
    public string Instance => BaseUrl + "/";

    private EntraOnLoopback(WebApplication server, Func<DateTimeOffset> now)
    {
        _server = server;
        _now = now;
        BaseUrl = server.Urls.First().TrimEnd('/');
    }

    public static EntraOnLoopback Start(Func<DateTimeOffset> now)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        EntraOnLoopback? entra = null;
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => entra!.Discovery(tenant));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () => entra!.Keys());
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", (HttpRequest request) => entra!.Authorize(request));
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (HttpRequest request) => entra!.Token(await request.ReadFormAsync()));
        app.MapGet("/{tenant}/oauth2/v2.0/logout", (HttpRequest request) => entra!.Logout(request));
        app.StartAsync().GetAwaiter().GetResult();
        entra = new EntraOnLoopback(app, now);
        return entra;
    }

    private string Issuer(string tenant) => $"{BaseUrl}/{tenant}/v2.0";

    private IResult Discovery(string tenant) => Results.Json(new Dictionary<string, object>
    {
        // As Microsoft's: a multi-tenant authority's issuer is a template, each token's issuer its own tenant's.
        ["issuer"] = tenant is "organizations" or "common" ? Issuer("{tenantid}") : Issuer(tenant),
        ["end_session_endpoint"] = $"{BaseUrl}/{tenant}/oauth2/v2.0/logout",
        ["authorization_endpoint"] = $"{BaseUrl}/{tenant}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"{BaseUrl}/{tenant}/oauth2/v2.0/token",
        ["jwks_uri"] = $"{BaseUrl}/{tenant}/discovery/v2.0/keys",
        ["response_types_supported"] = new[] { "code", "id_token", "code id_token" },
        ["response_modes_supported"] = new[] { "query", "fragment", "form_post" },
        ["subject_types_supported"] = new[] { "pairwise" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
    });

    private IResult Keys()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
        return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        Authorizations.Enqueue(q);
        var redirect = q["redirect_uri"].ToString();
        var state = Uri.EscapeDataString(q["state"].ToString());
        if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256" || !redirect.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
        {
            return Results.BadRequest("The stand-in expects the app's client, the code flow with PKCE (S256) and a loopback redirect.");
        }
        if (Next is not { } who)
        {
            return Results.Redirect($"{redirect}?error=access_denied&error_description=The+user+cancelled&state={state}");
        }
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = (who, q["nonce"].ToString(), q["code_challenge"].ToString(), redirect);
        return Results.Redirect($"{redirect}?code={code}&state={state}");
    }

    private IResult Token(IFormCollection form)
    {
        if (form["grant_type"] != "authorization_code" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret
            || !_codes.TryRemove(form["code"].ToString(), out var grant) || form["redirect_uri"] != grant.RedirectUri
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }
        var now = _now().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "pairwise-" + grant.Who.ObjectId,
            ["oid"] = grant.Who.ObjectId,
            ["tid"] = grant.Who.Tenant,
            ["preferred_username"] = grant.Who.Username,
            ["name"] = grant.Who.Name,
            ["ver"] = "2.0",
        };
        if (!string.IsNullOrEmpty(grant.Nonce))
        {
            claims["nonce"] = grant.Nonce;
        }
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer(grant.Who.IssuerTenant ?? grant.Who.Tenant),
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        Issued.Enqueue(idToken);
        return Results.Json(new { token_type = "Bearer", expires_in = 3600, access_token = "opaque-access-token", id_token = idToken, scope = "openid profile email" });
    }

    private IResult Logout(HttpRequest request)
    {
        var back = request.Query["post_logout_redirect_uri"].ToString();
        SignOuts.Enqueue(back);
        if (!back.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
        {
            return Results.Text("You have signed out.");
        }
        var state = request.Query["state"].ToString();
        return Results.Redirect(state.Length == 0 ? back : $"{back}?state={Uri.EscapeDataString(state)}");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
