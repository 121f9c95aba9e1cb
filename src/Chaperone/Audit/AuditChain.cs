using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Chaperone.Audit;

/// <summary>
/// The hash chain over a school's audit entries. Each sealed entry's hash is SHA-256 over its
/// canonical form followed by the previous entry's hash (32 zero bytes before the first), so
/// changing, removing, inserting or reordering any sealed entry changes every hash after it.
/// </summary>
/// <remarks>
/// Canonical form, version 1 (all integers big-endian): the ASCII tag <c>chaperone-audit</c>,
/// the format version (int32), the school id (16 bytes, RFC 4122 order), the position (int64),
/// the entry id (int64), the time in microseconds since the Unix epoch (int64), a byte 0/1 for
/// whether there is an actor and then the actor id (16 bytes), then actor name, action, subject
/// type, subject id and details, each as a UTF-8 length (int32, −1 for none) and its bytes,
/// and last the previous hash (32 bytes). A later version may add fields; entries keep the
/// version they were sealed with, so old entries verify as they were written.
/// </remarks>
public static class AuditChain
{
    public const int CurrentVersion = 1;
    public const int HashLength = 32;

    private static readonly byte[] Tag = "chaperone-audit"u8.ToArray();

    /// <summary>The "previous hash" of a chain's first entry.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[HashLength];

    /// <summary>Whether entries of this format version can be verified by this code.</summary>
    public static bool Knows(int version) => version == 1;

    /// <summary>The entry's hash at <paramref name="position"/> after <paramref name="previous"/>, written into <paramref name="hash"/>.</summary>
    public static void Compute(AuditEntry e, long position, ReadOnlySpan<byte> previous, Span<byte> hash)
    {
        var strings = new[] { e.ActorName, e.Action, e.SubjectType, e.SubjectId, e.Details };
        var length = Tag.Length + 4 + 16 + 8 + 8 + 8 + 1 + 16 + HashLength;
        foreach (var s in strings)
        {
            length += 4 + (s is null ? 0 : Encoding.UTF8.GetByteCount(s));
        }
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            var at = 0;
            Tag.CopyTo(span);
            at += Tag.Length;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], e.FormatVersion);
            at += 4;
            e.SchoolId.TryWriteBytes(span[at..], bigEndian: true, out _);
            at += 16;
            BinaryPrimitives.WriteInt64BigEndian(span[at..], position);
            at += 8;
            BinaryPrimitives.WriteInt64BigEndian(span[at..], e.Id);
            at += 8;
            BinaryPrimitives.WriteInt64BigEndian(span[at..], Microseconds(e.At));
            at += 8;
            span[at++] = e.ActorId is null ? (byte)0 : (byte)1;
            (e.ActorId ?? Guid.Empty).TryWriteBytes(span[at..], bigEndian: true, out _);
            at += 16;
            foreach (var s in strings)
            {
                if (s is null)
                {
                    BinaryPrimitives.WriteInt32BigEndian(span[at..], -1);
                    at += 4;
                    continue;
                }
                var written = Encoding.UTF8.GetBytes(s, span[(at + 4)..]);
                BinaryPrimitives.WriteInt32BigEndian(span[at..], written);
                at += 4 + written;
            }
            previous.CopyTo(span[at..]);
            SHA256.HashData(span, hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static byte[] Compute(AuditEntry e, long position, ReadOnlySpan<byte> previous)
    {
        var hash = new byte[HashLength];
        Compute(e, position, previous, hash);
        return hash;
    }

    /// <summary>Microseconds since the Unix epoch: the precision both databases keep.</summary>
    public static long Microseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>The time cut to whole microseconds, so that what is hashed is exactly what is stored.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}
