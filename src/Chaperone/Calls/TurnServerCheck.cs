using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chaperone.Calls;

/// <summary>
/// Readiness of the call room's TURN relay (<c>Calls:Turn:Urls</c>): each address is sent a STUN
/// Binding request (RFC 8489), over UDP or TCP as the address says (TCP, with TLS left to the
/// browser, for <c>turns:</c>), and must answer it; then, over UDP or TCP, the relay must grant an
/// allocation (RFC 8656) to credentials made as a call page's are, which it gives back at once. A
/// relay that does not answer, or refuses the pages' credentials (a shared secret that is not the
/// relay's), stops every family behind a strict router or mobile network from joining a call, and
/// with <c>Calls:RelayOnly</c> every family; the rest of the school still works, so the instance is
/// <c>Degraded</c>, not taken out of service.
/// <para>Readiness is probed every few seconds, and each allocation holds a port of the relay
/// and counts against its quota until given back, so a granted allocation stands for
/// <see cref="GrantStands"/> (the check is one instance for the app's life); a refused one, or one
/// never answered, is asked again at the next probe, so a mended relay shows at once. That the
/// relay answers a Binding request is checked at every probe.</para>
/// </summary>
public sealed class TurnServerCheck(CallNetwork network, TimeProvider clock) : IHealthCheck
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    /// <summary>How long an allocation the relay granted stands for its acceptance of the pages' credentials.</summary>
    public static readonly TimeSpan GrantStands = TimeSpan.FromMinutes(1);

    /// <summary>When each address last granted an allocation.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _granted = new(StringComparer.OrdinalIgnoreCase);

    private int _allocationsAsked;

    /// <summary>How many allocations this check has asked for.</summary>
    public int AllocationsAsked => Volatile.Read(ref _allocationsAsked);

    private const ushort BindingRequest = 0x0001;
    private const ushort BindingSuccess = 0x0101;
    private const uint MagicCookie = 0x2112A442;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var effect = network.RelayOnly ? "no call can connect (relay only)" : "families behind strict networks cannot join calls";
        foreach (var url in network.TurnUrls)
        {
            if (!await AnswersAsync(url, cancellationToken))
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"The TURN relay does not answer: {effect}.");
            }
            var now = clock.GetUtcNow();
            if (!url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase) && network.ProbeCredentials(now) is var (username, credential)
                && !(_granted.TryGetValue(url, out var granted) && now < granted + GrantStands))
            {
                Interlocked.Increment(ref _allocationsAsked);
                var allocation = await TurnAllocation.TryAsync(url, username, credential, cancellationToken);
                if (allocation is TurnAllocation.Outcome.Granted)
                {
                    _granted[url] = now;
                }
                else
                {
                    _granted.TryRemove(url, out _);
                    return new HealthCheckResult(context.Registration.FailureStatus, allocation switch
                    {
                        TurnAllocation.Outcome.Unauthorised => $"The TURN relay refuses the call pages' credentials (Calls:Turn:SharedSecret is not its shared secret): {effect}.",
                        TurnAllocation.Outcome.Refused refused => $"The TURN relay answers but grants no relay (error {refused.Code}): {effect}.",
                        _ => $"The TURN relay answers but not to an allocation: {effect}.",
                    });
                }
            }
        }
        return HealthCheckResult.Healthy();
    }

    /// <summary>Whether the TURN server at <paramref name="url"/> (<c>turn:host[:port][?transport=udp|tcp]</c>, or <c>turns:</c>) answers a Binding request within <see cref="Wait"/>.</summary>
    public static async Task<bool> AnswersAsync(string url, CancellationToken ct)
    {
        if (Parse(url) is not var (host, port, tcp))
        {
            return false;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Wait);
        var transaction = RandomNumberGenerator.GetBytes(12);
        var request = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(request, BindingRequest);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(4), MagicCookie);
        transaction.CopyTo(request, 8);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            if (addresses.Length == 0)
            {
                return false;
            }
            var endpoint = new IPEndPoint(addresses[0], port);
            using var socket = new Socket(endpoint.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
            await socket.ConnectAsync(endpoint, timeout.Token);
            if (url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase))
            {
                // TLS is the browser's to speak; that the port takes connections is what is checked here.
                return true;
            }
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
            var answer = new byte[1500];
            var read = 0;
            // Over TCP the answer may come in pieces; its header says how long it is.
            while (read < 20 || read < 20 + BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(2)))
            {
                var n = await socket.ReceiveAsync(answer.AsMemory(read), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    return false;
                }
                read += n;
                if (!tcp)
                {
                    break;
                }
            }
            return read >= 20
                && BinaryPrimitives.ReadUInt16BigEndian(answer) == BindingSuccess
                && BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(4)) == MagicCookie
                && answer.AsSpan(8, 12).SequenceEqual(transaction);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The host, port and transport of a TURN address (RFC 7065), or null when it is not one.</summary>
    public static (string Host, int Port, bool Tcp)? Parse(string url)
    {
        var secure = url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase);
        if (!secure && !url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = url[(secure ? 6 : 5)..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var transport = query < 0 ? null : rest[(query + 1)..];
        var authority = query < 0 ? rest : rest[..query];
        var tcp = secure || string.Equals(transport, "transport=tcp", StringComparison.OrdinalIgnoreCase);
        var port = secure ? 5349 : 3478;
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }
            host = authority[1..close];
            if (authority.Length > close + 1 && (authority[close + 1] != ':' || !int.TryParse(authority[(close + 2)..], out port)))
            {
                return null;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0 && !int.TryParse(authority[(colon + 1)..], out port))
            {
                return null;
            }
        }
        return host.Length == 0 || port is < 1 or > 65535 ? null : (host, port, tcp);
    }
}
