using Chaperone.Recordings;

namespace Chaperone.Tests.Infrastructure;

public static class RecordingReading
{
    /// <summary>A recording's whole content, decrypted, as playback reads it.</summary>
    public static async Task<byte[]> PlainAsync(this RecordingStore store, Recording recording)
    {
        using var plain = new MemoryStream();
        await foreach (var chunk in store.ReadPlainAsync(recording, CancellationToken.None))
        {
            await plain.WriteAsync(chunk);
        }
        return plain.ToArray();
    }
}
