using System.Security.Cryptography;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// Recording chunks on the file system under <c>{DataDirectory}/recordings/{school}/{recording}/</c>,
/// each encrypted with AES-256-GCM on its own (nonce, tag, ciphertext), bound to its recording and
/// position so chunks cannot be swapped. The key is <c>Recordings:Key</c> (base64, 32 bytes) or,
/// when that is not set, one generated once under <c>{DataDirectory}/keys/recordings.key</c>.
/// </summary>
public sealed class RecordingStore
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const int MaxChunkBytes = 2 * 1024 * 1024;

    private readonly byte[] _key;
    private readonly string _root;

    public RecordingStore(IConfiguration configuration, DataDirectory data)
    {
        _root = data.Combine("recordings");
        _key = LoadKey(configuration["Recordings:Key"], data.Combine("keys", "recordings.key"));
    }

    private static byte[] LoadKey(string? configured, string file)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var key = Convert.FromBase64String(configured);
            return key.Length == 32 ? key : throw new InvalidOperationException("Recordings:Key must be 32 bytes, base64-encoded.");
        }
        if (File.Exists(file))
        {
            return Convert.FromBase64String(File.ReadAllText(file).Trim());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var generated = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(file, options);
            writer.Write(Convert.ToBase64String(generated));
            return generated;
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another instance made it first: use theirs.
            return Convert.FromBase64String(File.ReadAllText(file).Trim());
        }
    }

    /// <summary>The recordings' key, shared with <see cref="RecordingVault"/> (whole recordings copied in from a provider).</summary>
    internal byte[] Key => _key;

    public string ChunkPath(Recording recording, int index) =>
        Path.Combine(_root, recording.SchoolId.ToString("N"), recording.Id.ToString("N"), $"{index:D6}.chunk");

    private static byte[] AssociatedData(Recording recording, int index) => [.. recording.Id.ToByteArray(), .. BitConverter.GetBytes(index)];

    /// <summary>Encrypts and writes one chunk, flushed to disk before returning.</summary>
    public async Task WriteChunkAsync(Recording recording, int index, ReadOnlyMemory<byte> plain, CancellationToken ct)
    {
        var sealedChunk = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedChunk.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, plain.Span, sealedChunk.AsSpan(NonceSize + TagSize), sealedChunk.AsSpan(NonceSize, TagSize), AssociatedData(recording, index));
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
    }

    /// <summary>Decrypts the chunks in order into <paramref name="output"/>; a chunk that fails its tag stops the stream.</summary>
    public async Task CopyPlainAsync(Recording recording, Stream output, CancellationToken ct)
    {
        using var aes = new AesGcm(_key, TagSize);
        for (var index = 0; index < recording.Chunks; index++)
        {
            var path = ChunkPath(recording, index);
            if (!File.Exists(path))
            {
                continue;
            }
            var sealedChunk = await File.ReadAllBytesAsync(path, ct);
            if (sealedChunk.Length < NonceSize + TagSize)
            {
                return;
            }
            var plain = new byte[sealedChunk.Length - NonceSize - TagSize];
            try
            {
                aes.Decrypt(sealedChunk.AsSpan(0, NonceSize), sealedChunk.AsSpan(NonceSize + TagSize), sealedChunk.AsSpan(NonceSize, TagSize), plain, AssociatedData(recording, index));
            }
            catch (AuthenticationTagMismatchException)
            {
                return;
            }
            await output.WriteAsync(plain, ct);
        }
    }
}
