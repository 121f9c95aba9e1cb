using System.Security.Cryptography;
using Chaperone.Scheduling;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// The one store of recordings' content, whichever provider made them: chunk files under
/// <c>{DataDirectory}/recordings/{school}/{recording}-{index}.chunk</c>, each encrypted with
/// AES-256-GCM on its own (nonce, tag, ciphertext) under the recording's data key
/// (<see cref="RecordingKeys"/>), bound to its recording and position so chunks cannot be swapped
/// or reordered; the row's chunk count says how many there are, so one cannot be dropped either.
/// The built-in room writes a chunk per upload; a provider's recording is stored in 1 MiB chunks.
/// </summary>
public sealed class RecordingStore(RecordingKeys keys, DataDirectory data)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const int MaxChunkBytes = 2 * 1024 * 1024;
    private const int WholeChunkBytes = 1 << 20;

    private readonly string _root = data.Combine("recordings");

    /// <summary>A new recording with its own data key; add it to the database yourself.</summary>
    public Recording Begin(Guid schoolId, Guid sessionId, string provider, DateTimeOffset startedAt, string contentType)
    {
        var id = Guid.CreateVersion7();
        return new Recording
        {
            Id = id, SchoolId = schoolId, SessionId = sessionId, Provider = provider, StartedAt = startedAt, ContentType = contentType,
            WrappedKey = keys.NewWrapped(id),
        };
    }

    public string SchoolDirectory(Guid schoolId) => Path.Combine(_root, schoolId.ToString("N"));

    public string ChunkPath(Recording recording, int index) => ChunkPath(recording.SchoolId, recording.Id, index);

    public string ChunkPath(Guid schoolId, Guid recordingId, int index) =>
        Path.Combine(_root, schoolId.ToString("N"), $"{recordingId:N}-{index:D6}.chunk");

    private static byte[] AssociatedData(Recording recording, int index) => [.. recording.Id.ToByteArray(), .. BitConverter.GetBytes(index)];

    /// <summary>Encrypts and writes chunk <paramref name="index"/>, flushed to disk before returning, and extends the content hash; the caller counts it and saves the row.</summary>
    public async Task WriteChunkAsync(Recording recording, int index, ReadOnlyMemory<byte> plain, CancellationToken ct)
    {
        var sealedChunk = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedChunk.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var key = keys.Unwrap(recording.Id, recording.WrappedKey);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plain.Span, sealedChunk.AsSpan(NonceSize + TagSize), sealedChunk.AsSpan(NonceSize, TagSize), AssociatedData(recording, index));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        var path = ChunkPath(recording, index);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(sealedChunk, ct);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        recording.ContentHash = ChainHash(recording.ContentHash, sealedChunk);
    }

    /// <summary>The content hash after one more stored chunk (see <see cref="Recording.ContentHash"/>).</summary>
    public static string ChainHash(string? previous, ReadOnlySpan<byte> storedChunk)
    {
        Span<byte> buffer = stackalloc byte[64];
        var length = 0;
        if (previous is not null)
        {
            Convert.FromHexString(previous).CopyTo(buffer);
            length = 32;
        }
        SHA256.HashData(storedChunk, buffer[length..]);
        return Convert.ToHexStringLower(SHA256.HashData(buffer[..(length + 32)]));
    }

    /// <summary>Encrypts a whole recording (a provider's, copied in) as 1 MiB chunks; sets the row's chunk count and length.</summary>
    public async Task StoreWholeAsync(Recording recording, Stream plain, CancellationToken ct)
    {
        var buffer = new byte[WholeChunkBytes];
        while (true)
        {
            var filled = await plain.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            if (filled == 0 && recording.Chunks > 0)
            {
                break;
            }
            await WriteChunkAsync(recording, recording.Chunks, buffer.AsMemory(0, filled), ct);
            recording.Chunks++;
            recording.Bytes += filled;
            if (filled < buffer.Length)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Decrypts the chunks in order into <paramref name="output"/>; throws <see cref="CryptographicException"/>
    /// when a chunk is missing or altered, or the recording's key has been deleted.
    /// </summary>
    public async Task CopyPlainAsync(Recording recording, Stream output, CancellationToken ct)
    {
        var key = keys.Unwrap(recording.Id, recording.WrappedKey);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            for (var index = 0; index < recording.Chunks; index++)
            {
                var path = ChunkPath(recording, index);
                if (!File.Exists(path))
                {
                    throw new CryptographicException($"Chunk {index} of the recording is missing.");
                }
                var sealedChunk = await File.ReadAllBytesAsync(path, ct);
                if (sealedChunk.Length < NonceSize + TagSize)
                {
                    throw new CryptographicException($"Chunk {index} of the recording is cut short.");
                }
                var plain = new byte[sealedChunk.Length - NonceSize - TagSize];
                aes.Decrypt(sealedChunk.AsSpan(0, NonceSize), sealedChunk.AsSpan(NonceSize + TagSize), sealedChunk.AsSpan(NonceSize, TagSize), plain, AssociatedData(recording, index));
                await output.WriteAsync(plain, ct);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Deletes a recording's files (idempotent: files already gone are fine). <paramref name="chunks"/>
    /// is the row's count; one more is tried, for a chunk written whose count was never saved.
    /// </summary>
    public void DeleteContent(Guid schoolId, Guid recordingId, int chunks)
    {
        for (var index = 0; index <= chunks; index++)
        {
            var path = ChunkPath(schoolId, recordingId, index);
            File.Delete(path);
            if (index == chunks)
            {
                File.Delete(path + ".tmp");
            }
        }
    }
}
