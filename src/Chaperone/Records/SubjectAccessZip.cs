using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Records;

/// <summary>
/// A subject access export with its recordings: one ZIP, streamed as it is made, holding the export
/// (<c>subject-access.json</c>, as the API writes it) and each recording it names, decrypted, under
/// <c>recordings/</c>. Nothing is held in memory beyond one chunk of video, nor written to disk.
/// </summary>
public static class SubjectAccessZip
{
    public const string ContentType = "application/zip";
    public const string ExportEntry = "subject-access.json";

    /// <summary>The file extension of a recording of this content type.</summary>
    public static string ExtensionOf(string contentType) => contentType.Split(';')[0].Trim() switch
    {
        "video/mp4" => ".mp4",
        "audio/webm" => ".weba",
        "audio/mp4" => ".m4a",
        _ => ".webm",
    };

    /// <summary>
    /// Writes the ZIP as the answer to <paramref name="http"/>. A recording the store cannot give
    /// before anything is sent is answered 503; one that fails later (missing, altered, the store
    /// gone) cuts the download off, so that no one takes an incomplete file for the whole.
    /// </summary>
    public static async Task<IResult> WriteAsync(HttpContext http, object export, string downloadName, IReadOnlyList<ExportedRecordingDto> files,
        ChaperoneDbContext db, RecordingStore store, JsonSerializerOptions json, CancellationToken ct)
    {
        var ids = files.Select(f => Ids.TryParse(f.RecordingId, out var id) ? id : Guid.Empty).ToList();
        var rows = await db.Set<Recording>().AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        http.Response.ContentType = ContentType;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = downloadName, DispositionType = "attachment" }.ToString();
        // ZipArchive writes its headers synchronously, which a response refuses: they are held and passed on at the next await.
        await using var body = new DeferredWriteStream(http.Response.Body);
        try
        {
            await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
            {
                var entry = zip.CreateEntry(ExportEntry, CompressionLevel.Optimal);
                await using (var stream = await entry.OpenAsync(ct))
                {
                    await JsonSerializer.SerializeAsync(stream, export, export.GetType(), json, ct);
                }
                await body.DrainAsync(ct);
                foreach (var (file, id) in files.Zip(ids))
                {
                    var recording = rows.GetValueOrDefault(id) ?? throw new CryptographicException($"Recording {file.RecordingId} is no longer held.");
                    // Video is compressed already.
                    var video = zip.CreateEntry(file.File, CompressionLevel.NoCompression);
                    video.LastWriteTime = recording.StartedAt;
                    await using var stream = await video.OpenAsync(ct);
                    await foreach (var plain in store.ReadPlainAsync(recording, ct))
                    {
                        await stream.WriteAsync(plain, ct);
                        await body.DrainAsync(ct);
                    }
                }
            }
            await body.FlushAsync(ct);
        }
        catch (Exception e) when (e is CryptographicException or RecordingStoreUnavailableException)
        {
            if (!http.Response.HasStarted && e is RecordingStoreUnavailableException)
            {
                http.Response.Headers.ContentDisposition = default;
                return Problems.Unavailable("The recording store cannot be reached just now. Try again in a moment.", TimeSpan.FromSeconds(5));
            }
            http.Abort();
        }
        return TypedResults.Empty;
    }
}
