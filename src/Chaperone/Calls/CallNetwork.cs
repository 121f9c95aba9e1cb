using System.Security.Cryptography;
using System.Text;

namespace Chaperone.Calls;

/// <summary>
/// The STUN and TURN servers the call room's browsers use, and whether media may only go through
/// a TURN relay. From <c>Calls:IceServers</c> (servers given as they are, with any fixed
/// credentials) and <c>Calls:Turn:*</c> (a TURN server such as coturn that shares a secret with
/// the app: each page gets its own credentials, valid only while its session's room can be
/// joined, so a copied page or link does not open the relay to anyone for long).
/// </summary>
/// <remarks>
/// The credentials follow the TURN REST API (draft-uberti-behave-turn-rest), which coturn checks
/// with <c>use-auth-secret</c> and <c>static-auth-secret</c>: the user name is the moment the
/// credentials expire (Unix seconds), a colon and an opaque name; the password is the base64
/// HMAC-SHA1 of the user name under the shared secret. The name here is the session's id: no
/// person's name or address reaches the TURN server.
/// </remarks>
public sealed class CallNetwork
{
    private readonly byte[]? _secret;

    public CallNetwork(IReadOnlyList<IceServer> fixedServers, IReadOnlyList<string> turnUrls, string? sharedSecret, bool relayOnly)
    {
        if (fixedServers.Any(s => s.Urls.Length == 0))
        {
            throw new InvalidOperationException("Calls:IceServers: each server needs its address (urls), e.g. [{\"urls\":[\"stun:stun.example.org:3478\"]}].");
        }
        if ((turnUrls.Count > 0) != !string.IsNullOrEmpty(sharedSecret))
        {
            throw new InvalidOperationException("Calls:Turn:Urls and Calls:Turn:SharedSecret go together: set both (a TURN server with use-auth-secret) or neither.");
        }
        if (turnUrls.FirstOrDefault(u => !IsTurnUrl(u)) is { } wrong)
        {
            throw new InvalidOperationException($"Calls:Turn:Urls: '{wrong}' is not a TURN server's address; write turn:host:port or turns:host:port (RFC 7065).");
        }
        if (relayOnly && turnUrls.Count == 0 && !fixedServers.Any(s => s.Urls.Any(IsTurnUrl)))
        {
            throw new InvalidOperationException("Calls:RelayOnly needs a TURN server: set Calls:Turn:Urls and Calls:Turn:SharedSecret (or a TURN server in Calls:IceServers).");
        }
        FixedServers = fixedServers;
        TurnUrls = turnUrls;
        _secret = string.IsNullOrEmpty(sharedSecret) ? null : Encoding.UTF8.GetBytes(sharedSecret);
        RelayOnly = relayOnly;
    }

    /// <summary>Servers given in <c>Calls:IceServers</c>, passed to every page as they are.</summary>
    public IReadOnlyList<IceServer> FixedServers { get; }

    /// <summary>The TURN server's addresses for which each page gets its own credentials (<c>Calls:Turn:Urls</c>).</summary>
    public IReadOnlyList<string> TurnUrls { get; }

    /// <summary>
    /// Media only through the TURN relay (<c>Calls:RelayOnly</c>, the browsers' <c>iceTransportPolicy</c>
    /// of <c>relay</c>): neither side learns the other's network address (a family's home address
    /// is not shown to the teacher's browser, nor the teacher's to the family's).
    /// </summary>
    public bool RelayOnly { get; }

    /// <summary>Whether there is a TURN relay for media to go through (<c>Calls:Turn:Urls</c>, or a TURN server in <c>Calls:IceServers</c>), without which a school cannot choose relay only.</summary>
    public bool HasRelay => TurnUrls.Count > 0 || FixedServers.Any(s => s.Urls.Any(IsTurnUrl));

    /// <summary>Whether a call of a school that chose <paramref name="schoolsChoice"/> goes only through the relay: the installation's requirement, or the school's own choice.</summary>
    public bool RelayOnlyFor(bool schoolsChoice) => RelayOnly || (schoolsChoice && HasRelay);

    public static CallNetwork Read(IConfiguration configuration) => new(
        [.. configuration.GetSection("Calls:IceServers").GetChildren().Select(s => new IceServer([.. Addresses(s.GetSection("urls"))], s["username"], s["credential"]))],
        [.. Addresses(configuration.GetSection("Calls:Turn:Urls"))],
        configuration["Calls:Turn:SharedSecret"],
        configuration.GetValue<bool?>("Calls:RelayOnly") ?? false);

    /// <summary>
    /// Addresses written as a list, or as one value (several separated by commas, as an environment
    /// variable is easiest written, or one alone, as <c>RTCPeerConnection</c> also takes them).
    /// </summary>
    private static IEnumerable<string> Addresses(IConfigurationSection section) =>
        section.Value is { Length: > 0 } value
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0);

    /// <summary>
    /// The servers for a page of the session <paramref name="sessionId"/>, with TURN credentials
    /// that expire at <paramref name="until"/>: the fixed servers, then the TURN server's.
    /// </summary>
    public IReadOnlyList<IceServer> ForSession(Guid sessionId, DateTimeOffset until)
    {
        if (_secret is null)
        {
            return FixedServers;
        }
        var (username, credential) = Credentials(_secret, sessionId, until);
        return [.. FixedServers, new IceServer([.. TurnUrls], username, credential)];
    }

    /// <summary>
    /// <see cref="ForSession"/> as a call page hands it to <c>RTCPeerConnection</c> (JSON, without
    /// empty fields), with credentials that last until the session's room can no longer be
    /// joined: its end and the grace after it in which a family's link still opens the page.
    /// </summary>
    public string JsonFor(Guid sessionId, DateTimeOffset sessionEnd) =>
        System.Text.Json.JsonSerializer.Serialize(ForSession(sessionId, sessionEnd + Families.FamilyLinks.GraceAfterEnd), PageJson);

    private static readonly System.Text.Json.JsonSerializerOptions PageJson = new(System.Text.Json.JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Credentials as a call page gets them, for no session and for five minutes from
    /// <paramref name="now"/>: for the readiness check to try on the relay; null without a shared secret.
    /// </summary>
    public (string Username, string Credential)? ProbeCredentials(DateTimeOffset now) =>
        _secret is null ? null : Credentials(_secret, Guid.Empty, now + TimeSpan.FromMinutes(5));

    /// <summary>The TURN REST API's user name and password for <paramref name="sessionId"/> until <paramref name="until"/>.</summary>
    internal static (string Username, string Credential) Credentials(byte[] secret, Guid sessionId, DateTimeOffset until)
    {
        var username = $"{until.ToUnixTimeSeconds()}:{sessionId:N}";
#pragma warning disable CA5350 // HMAC-SHA1 is what the TURN REST API and coturn's use-auth-secret require; HMAC's strength does not rest on SHA-1's collision resistance.
        var credential = Convert.ToBase64String(HMACSHA1.HashData(secret, Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        return (username, credential);
    }

    private static bool IsTurnUrl(string url) =>
        url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase);
}
