using System.Buffers.Binary;
using System.Security.Cryptography;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// Recordings encrypted at rest with AES-256-GCM under <c>{DataDirectory}/recordings</c>, the key
/// the recordings' key of <see cref="RecordingStore"/> (<c>Recordings:Key</c>, or made once under
/// <c>{DataDirectory}/keys</c>), so that one key protects every recording. A file is a header and a run of
/// chunks, each sealed on its own (so a recording of any length streams through in 1 MiB
/// pieces); each chunk's nonce carries its index and the associated data marks the last chunk,
/// so chunks cannot be reordered, dropped or the file cut short without the read failing.
/// </summary>
public sealed class RecordingVault(DataDirectory data, RecordingStore store)
{
    private const int ChunkSize = 1 << 20;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "CHRV1"u8.ToArray();

    public string PathOf(string storedName) => data.Combine("recordings", Path.GetFileName(storedName));

    /// <summary>Encrypts <paramref name="plain"/> into a new file; returns its stored name and the plaintext length.</summary>
    public async Task<(string StoredName, long Length)> StoreAsync(Stream plain, CancellationToken ct)
    {
        var name = $"{Guid.CreateVersion7():N}.rec";
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var prefix = RandomNumberGenerator.GetBytes(4);
        using var aes = new AesGcm(Key(), TagSize);
        long length = 0;
        await using (var file = new FileStream(path + ".part", FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await file.WriteAsync(Magic, ct);
            await file.WriteAsync(prefix, ct);
            var buffer = new byte[ChunkSize];
            var next = new byte[ChunkSize];
            var filled = await FillAsync(plain, buffer, ct);
            var index = 0L;
            while (true)
            {
                var nextFilled = filled == ChunkSize ? await FillAsync(plain, next, ct) : 0;
                var last = nextFilled == 0;
                var cipher = new byte[filled];
                var tag = new byte[TagSize];
                aes.Encrypt(Nonce(prefix, index), buffer.AsSpan(0, filled), cipher, tag, Aad(last));
                var header = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(header, filled);
                await file.WriteAsync(header, ct);
                await file.WriteAsync(tag, ct);
                await file.WriteAsync(cipher, ct);
                length += filled;
                index++;
                if (last)
                {
                    break;
                }
                (buffer, next) = (next, buffer);
                filled = nextFilled;
            }
        }
        File.Move(path + ".part", path);
        return (name, length);
    }

    /// <summary>Decrypts a stored recording into <paramref name="output"/>; a tampered file throws <see cref="CryptographicException"/>.</summary>
    public async Task ReadAsync(string storedName, Stream output, CancellationToken ct)
    {
        await using var file = new FileStream(PathOf(storedName), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var magic = new byte[Magic.Length];
        await file.ReadExactlyAsync(magic, ct);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new CryptographicException("Not a Chaperone recording.");
        }
        var prefix = new byte[4];
        await file.ReadExactlyAsync(prefix, ct);
        using var aes = new AesGcm(Key(), TagSize);
        var header = new byte[4];
        var tag = new byte[TagSize];
        for (var index = 0L; ; index++)
        {
            await file.ReadExactlyAsync(header, ct);
            var size = BinaryPrimitives.ReadInt32BigEndian(header);
            if (size is < 0 or > ChunkSize)
            {
                throw new CryptographicException("A recording chunk has an impossible size.");
            }
            await file.ReadExactlyAsync(tag, ct);
            var cipher = new byte[size];
            await file.ReadExactlyAsync(cipher, ct);
            var plain = new byte[size];
            var last = file.Position == file.Length;
            aes.Decrypt(Nonce(prefix, index), cipher, tag, plain, Aad(last));
            await output.WriteAsync(plain, ct);
            if (last)
            {
                return;
            }
        }
    }

    public void Delete(string storedName) => File.Delete(PathOf(storedName));

    private static byte[] Nonce(byte[] prefix, long index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] Aad(bool last) => [last ? (byte)1 : (byte)0];

    private static async Task<int> FillAsync(Stream s, byte[] buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await s.ReadAsync(buffer.AsMemory(total), ct);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    private byte[] Key() => store.Key;
}
