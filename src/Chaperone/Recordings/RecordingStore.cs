using System.Security.Cryptography;
using Chaperone.Scheduling;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// The one store of recordings' content, whichever provider made them: chunks named
/// <c>{school}/{recording}-{index}.chunk</c> in <see cref="IRecordingBlobs"/> (files under
/// <c>{DataDirectory}/recordings</c>, or an Azure Blob Storage container), each encrypted with
/// AES-256-GCM on its own (nonce, tag, ciphertext) under the recording's data key
/// (<see cref="RecordingKeys"/>), bound to its recording and position so chunks cannot be swapped
/// or reordered; the row's chunk count says how many there are, so one cannot be dropped either.
/// The built-in room writes a chunk per upload; a provider's recording is stored in 1 MiB chunks.
/// </summary>
public sealed class RecordingStore(RecordingKeys keys, IRecordingBlobs blobs)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const int MaxChunkBytes = 2 * 1024 * 1024;
    private const int WholeChunkBytes = 1 << 20;

    /// <summary>Where the sealed chunks are kept.</summary>
    public IRecordingBlobs Blobs => blobs;

    /// <summary>How many recordings' content to delete at once (<see cref="IRecordingBlobs.DeleteParallelism"/>).</summary>
    public int DeleteParallelism => blobs.DeleteParallelism;

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

    public static string ChunkName(Recording recording, int index) => ChunkName(recording.SchoolId, recording.Id, index);

    public static string ChunkName(Guid schoolId, Guid recordingId, int index) => $"{schoolId:N}/{recordingId:N}-{index:D6}.chunk";

    private static byte[] AssociatedData(Recording recording, int index) => [.. recording.Id.ToByteArray(), .. BitConverter.GetBytes(index)];

    /// <summary>Encrypts and writes chunk <paramref name="index"/>, durable before returning, and extends the content hash; the caller counts it and saves the row.</summary>
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
        await blobs.PutAsync(ChunkName(recording, index), sealedChunk, ct);
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
    /// The recording's chunks, decrypted, in order, one at a time; throws <see cref="CryptographicException"/>
    /// when a chunk is missing or altered, or the recording's key has been deleted.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadPlainAsync(Recording recording, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var key = keys.Unwrap(recording.Id, recording.WrappedKey);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            for (var index = 0; index < recording.Chunks; index++)
            {
                var sealedChunk = await blobs.GetAsync(ChunkName(recording, index), ct)
                    ?? throw new CryptographicException($"Chunk {index} of the recording is missing.");
                if (sealedChunk.Length < NonceSize + TagSize)
                {
                    throw new CryptographicException($"Chunk {index} of the recording is cut short.");
                }
                var plain = new byte[sealedChunk.Length - NonceSize - TagSize];
                aes.Decrypt(sealedChunk.AsSpan(0, NonceSize), sealedChunk.AsSpan(NonceSize + TagSize), sealedChunk.AsSpan(NonceSize, TagSize), plain, AssociatedData(recording, index));
                yield return plain;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Deletes a recording's chunks (idempotent: chunks already gone are fine). <paramref name="chunks"/>
    /// is the row's count; one more is tried, for a chunk written whose count was never saved.
    /// </summary>
    public async Task DeleteContentAsync(Guid schoolId, Guid recordingId, int chunks, CancellationToken ct)
    {
        for (var index = 0; index <= chunks; index++)
        {
            await blobs.DeleteAsync(ChunkName(schoolId, recordingId, index), mayBeUnfinished: index == chunks, ct);
        }
    }
}
