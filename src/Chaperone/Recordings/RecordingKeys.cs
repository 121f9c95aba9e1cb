using System.Security.Cryptography;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// Envelope encryption of recordings: the installation's master key (<c>Recordings:Key</c>, base64,
/// 32 bytes; or one generated once under <c>{DataDirectory}/keys/recordings.key</c>) wraps each
/// recording's own random data key with AES-256-GCM, bound to the recording's id. The wrapped key
/// lives on the recording's row; clearing it makes the recording's files unreadable for good.
/// </summary>
public sealed class RecordingKeys
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const int KeySize = 32;
    public const int WrappedSize = NonceSize + TagSize + KeySize;

    private readonly byte[] _master;

    public RecordingKeys(IConfiguration configuration, DataDirectory data) =>
        _master = LoadKey(configuration["Recordings:Key"], data.Combine("keys", "recordings.key"));

    /// <summary>A new data key for <paramref name="recordingId"/>, wrapped.</summary>
    public byte[] NewWrapped(Guid recordingId)
    {
        var key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var wrapped = new byte[WrappedSize];
            RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
            using var aes = new AesGcm(_master, TagSize);
            aes.Encrypt(wrapped.AsSpan(0, NonceSize), key, wrapped.AsSpan(NonceSize + TagSize), wrapped.AsSpan(NonceSize, TagSize), recordingId.ToByteArray());
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The recording's data key; throws <see cref="CryptographicException"/> when it was deleted or does not belong to the recording.</summary>
    public byte[] Unwrap(Guid recordingId, byte[]? wrapped)
    {
        if (wrapped is not { Length: WrappedSize })
        {
            throw new CryptographicException("The recording's key has been deleted.");
        }
        var key = new byte[KeySize];
        using var aes = new AesGcm(_master, TagSize);
        aes.Decrypt(wrapped.AsSpan(0, NonceSize), wrapped.AsSpan(NonceSize + TagSize), wrapped.AsSpan(NonceSize, TagSize), key, recordingId.ToByteArray());
        return key;
    }

    private static byte[] LoadKey(string? configured, string file)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var key = Convert.FromBase64String(configured);
            return key.Length == KeySize ? key : throw new InvalidOperationException("Recordings:Key must be 32 bytes, base64-encoded.");
        }
        if (File.Exists(file))
        {
            return Convert.FromBase64String(File.ReadAllText(file).Trim());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var generated = RandomNumberGenerator.GetBytes(KeySize);
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
}
