using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Chaperone.Calls;

/// <summary>
/// One TURN allocation asked for and given back at once (RFC 8656), as a browser asks for it with
/// the credentials a call page gets: the relay's first answer is 401 with its realm and a nonce;
/// the request again, signed with the long-term credential (RFC 8489 §9.2), is granted or refused;
/// a granted one is refreshed with a lifetime of 0, so that the relay keeps nothing of the check.
/// </summary>
public static class TurnAllocation
{
    /// <summary>What the relay made of the request.</summary>
    public abstract record Outcome
    {
        public sealed record Granted : Outcome;

        /// <summary>401 to the signed request: the credentials (the shared secret) are not the relay's.</summary>
        public sealed record Unauthorised : Outcome;

        /// <summary>Another error (for instance 486, the allocation quota; 508, no capacity).</summary>
        public sealed record Refused(int Code) : Outcome;

        public sealed record NoAnswer : Outcome;
    }

    private const ushort AllocateRequest = 0x0003;
    private const ushort AllocateSuccess = 0x0103;
    private const ushort RefreshRequest = 0x0004;
    private const ushort UsernameAttribute = 0x0006;
    private const ushort MessageIntegrityAttribute = 0x0008;
    private const ushort ErrorCodeAttribute = 0x0009;
    private const ushort LifetimeAttribute = 0x000D;
    private const ushort RealmAttribute = 0x0014;
    private const ushort NonceAttribute = 0x0015;
    private const ushort RequestedTransportAttribute = 0x0019;
    private const uint MagicCookie = 0x2112A442;
    private const int Unauthorised = 401;
    private const int StaleNonce = 438;

    /// <summary>Relayed over UDP, as browsers ask.</summary>
    private static readonly byte[] Udp = [17, 0, 0, 0];

    /// <summary>Asks the relay at <paramref name="url"/> (not <c>turns:</c>) for an allocation with these credentials, within <see cref="TurnServerCheck.Wait"/>.</summary>
    public static async Task<Outcome> TryAsync(string url, string username, string password, CancellationToken ct)
    {
        if (TurnServerCheck.Parse(url) is not var (host, port, tcp))
        {
            return new Outcome.NoAnswer();
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TurnServerCheck.Wait);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            if (addresses.Length == 0)
            {
                return new Outcome.NoAnswer();
            }
            var endpoint = new IPEndPoint(addresses[0], port);
            using var socket = new Socket(endpoint.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
            await socket.ConnectAsync(endpoint, timeout.Token);

            var challenge = await ExchangeAsync(socket, tcp, Message(AllocateRequest, [(RequestedTransportAttribute, Udp)], null), timeout.Token);
            if (challenge is null)
            {
                return new Outcome.NoAnswer();
            }
            if (challenge.Type == AllocateSuccess)
            {
                // A relay that asks for no credentials at all: it relays, whatever the secret.
                await GiveBackAsync(socket, tcp, [], null, timeout.Token);
                return new Outcome.Granted();
            }
            if (challenge.Error != Unauthorised || challenge.Text(RealmAttribute) is not { } realm || challenge.Text(NonceAttribute) is not { } nonce)
            {
                return challenge.Error is { } code ? new Outcome.Refused(code) : new Outcome.NoAnswer();
            }
#pragma warning disable CA5351 // RFC 8489's long-term credential key is MD5(username:realm:password): the relay derives the same.
            var key = MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{realm}:{password}"));
#pragma warning restore CA5351
            for (var attempt = 0; attempt < 2; attempt++)
            {
                List<(ushort, byte[])> credentials = [(UsernameAttribute, Encoding.UTF8.GetBytes(username)), (RealmAttribute, Encoding.UTF8.GetBytes(realm)), (NonceAttribute, Encoding.UTF8.GetBytes(nonce))];
                var answer = await ExchangeAsync(socket, tcp, Message(AllocateRequest, [(RequestedTransportAttribute, Udp), .. credentials], key), timeout.Token);
                if (answer is null)
                {
                    return new Outcome.NoAnswer();
                }
                if (answer.Type == AllocateSuccess)
                {
                    await GiveBackAsync(socket, tcp, credentials, key, timeout.Token);
                    return new Outcome.Granted();
                }
                if (answer.Error == StaleNonce && answer.Text(NonceAttribute) is { } fresh)
                {
                    nonce = fresh;
                    continue;
                }
                return answer.Error switch
                {
                    Unauthorised => new Outcome.Unauthorised(),
                    { } code => new Outcome.Refused(code),
                    null => new Outcome.NoAnswer(),
                };
            }
            return new Outcome.NoAnswer();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new Outcome.NoAnswer();
        }
    }

    /// <summary>Refreshes the allocation with a lifetime of 0, which ends it; what the relay answers does not change the outcome.</summary>
    private static async Task GiveBackAsync(Socket socket, bool tcp, List<(ushort, byte[])> credentials, byte[]? key, CancellationToken ct)
    {
        try
        {
            await ExchangeAsync(socket, tcp, Message(RefreshRequest, [(LifetimeAttribute, [0, 0, 0, 0]), .. credentials], key), ct);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The allocation lapses by itself (ten minutes by default).
        }
    }

    /// <summary>A STUN message: the header, the attributes (each padded to four bytes) and, with a key, MESSAGE-INTEGRITY over all before it.</summary>
    private static byte[] Message(ushort type, IReadOnlyList<(ushort Type, byte[] Value)> attributes, byte[]? key)
    {
        var length = attributes.Sum(a => 4 + Padded(a.Value.Length)) + (key is null ? 0 : 24);
        var message = new byte[20 + length];
        BinaryPrimitives.WriteUInt16BigEndian(message, type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), MagicCookie);
        RandomNumberGenerator.Fill(message.AsSpan(8, 12));
        var at = 20;
        foreach (var (attribute, value) in attributes)
        {
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), attribute);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at + 2), (ushort)value.Length);
            value.CopyTo(message, at + 4);
            at += 4 + Padded(value.Length);
        }
        if (key is not null)
        {
            // The header's length already counts this attribute, as the relay's check of it expects.
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), MessageIntegrityAttribute);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at + 2), 20);
#pragma warning disable CA5350 // MESSAGE-INTEGRITY is HMAC-SHA1 (RFC 8489 §14.5); HMAC's strength does not rest on SHA-1's collision resistance.
            HMACSHA1.HashData(key, message.AsSpan(0, at), message.AsSpan(at + 4, 20));
#pragma warning restore CA5350
        }
        return message;
    }

    private static int Padded(int length) => (length + 3) & ~3;

    /// <summary>A response: its type and attributes.</summary>
    private sealed record Answer(ushort Type, Dictionary<ushort, byte[]> Attributes)
    {
        /// <summary>The ERROR-CODE's number (class × 100 + number), if any.</summary>
        public int? Error => Attributes.TryGetValue(ErrorCodeAttribute, out var v) && v.Length >= 4 ? (v[2] & 7) * 100 + v[3] : null;

        public string? Text(ushort attribute) => Attributes.TryGetValue(attribute, out var v) ? Encoding.UTF8.GetString(v) : null;
    }

    /// <summary>Sends <paramref name="request"/> and reads the response to it (over UDP, passing over any answer to another request); null for none.</summary>
    private static async Task<Answer?> ExchangeAsync(Socket socket, bool tcp, byte[] request, CancellationToken ct)
    {
        await socket.SendAsync(request, SocketFlags.None, ct);
        var buffer = new byte[2048];
        while (true)
        {
            var read = 0;
            // Over TCP a message may come in pieces; its header says how long it is.
            while (read < 20 || read < 20 + BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)))
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
                if (n == 0)
                {
                    return null;
                }
                read += n;
                if (!tcp || read == buffer.Length)
                {
                    break;
                }
            }
            var length = read >= 20 ? BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)) : 0;
            if (read < 20 || read < 20 + length || BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(4)) != MagicCookie)
            {
                return null;
            }
            if (!buffer.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)))
            {
                if (tcp)
                {
                    return null;
                }
                continue;
            }
            var attributes = new Dictionary<ushort, byte[]>();
            for (var at = 20; at + 4 <= 20 + length;)
            {
                var type = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(at));
                var size = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(at + 2));
                if (at + 4 + size > 20 + length)
                {
                    break;
                }
                attributes.TryAdd(type, buffer.AsSpan(at + 4, size).ToArray());
                at += 4 + Padded(size);
            }
            return new Answer(BinaryPrimitives.ReadUInt16BigEndian(buffer), attributes);
        }
    }
}
