using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Chaperone.Families;

/// <summary>
/// The guardian's way in without an account: one link per guardian per session, carrying a
/// token that is signed and encrypted with the app's data-protection keys, so it cannot be
/// guessed or altered. The token only names the session and guardian; whether it still opens
/// anything is decided when it is used (the session's end, cancellation), so a link can never
/// outlive the session it was sent for.
/// </summary>
public sealed class FamilyLinks(IDataProtectionProvider protection, IConfiguration configuration, IServer server)
{
    private const int PayloadLength = 1 + 16 + 16;
    private const byte Version = 1;
    private readonly IDataProtector _protector = protection.CreateProtector("Chaperone.FamilyLink.v1");

    /// <summary>How long after the session's end its links still open the page (the call may overrun).</summary>
    public static readonly TimeSpan GraceAfterEnd = TimeSpan.FromHours(1);

    /// <summary>
    /// Where links point: <c>PublicBaseUrl</c>, else the first of <c>Urls</c>, else the first
    /// address the server listens on, else http://localhost:5000. Set <c>PublicBaseUrl</c> in
    /// production: it is the address parents can reach.
    /// </summary>
    public Uri BaseUrl
    {
        get
        {
            var configured = configuration["PublicBaseUrl"];
            if (string.IsNullOrWhiteSpace(configured))
            {
                configured = configuration["Urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            }
            if (string.IsNullOrWhiteSpace(configured))
            {
                configured = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal);
            }
            if (string.IsNullOrWhiteSpace(configured) || !Uri.TryCreate(configured.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                uri = new Uri("http://localhost:5000");
            }
            return uri;
        }
    }

    /// <summary>The token for one guardian's page of one session (URL-safe).</summary>
    public string TokenFor(Guid sessionId, Guid guardianId)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload[0] = Version;
        sessionId.TryWriteBytes(payload[1..17]);
        guardianId.TryWriteBytes(payload[17..]);
        return Base64Url.EncodeToString(_protector.Protect(payload.ToArray()));
    }

    /// <summary>The absolute address of one guardian's page of one session, for the email.</summary>
    public Uri UrlFor(Guid sessionId, Guid guardianId) => new(BaseUrl, $"/family/{TokenFor(sessionId, guardianId)}");

    /// <summary>Reads a token: null when it was altered, forged, made with other keys or is not a token at all.</summary>
    public FamilyLinkToken? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 512)
        {
            return null;
        }
        try
        {
            var payload = _protector.Unprotect(Base64Url.DecodeFromChars(token));
            if (payload.Length != PayloadLength || payload[0] != Version)
            {
                return null;
            }
            return new FamilyLinkToken(new Guid(payload.AsSpan(1, 16)), new Guid(payload.AsSpan(17, 16)));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>What a valid family link names.</summary>
public sealed record FamilyLinkToken(Guid SessionId, Guid GuardianId);
