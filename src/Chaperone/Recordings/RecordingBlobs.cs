using Azure;
using Azure.Storage.Blobs;
using Chaperone.Storage;

namespace Chaperone.Recordings;

/// <summary>
/// Where recordings' sealed chunks are kept, by name (<c>{school}/{recording}-{index}.chunk</c>):
/// the file system under <c>DataDirectory</c> by default, or an Azure Blob Storage container
/// (<c>Recordings:Store=AzureBlob</c>). Only ciphertext passes through here: the encryption, and
/// so the meaning of the bytes, is <see cref="RecordingStore"/>'s.
/// </summary>
public interface IRecordingBlobs
{
    /// <summary>Writes the chunk, replacing one of that name; it is durable when this returns.</summary>
    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>The chunk's bytes, or null when there is none of that name.</summary>
    Task<byte[]?> GetAsync(string name, CancellationToken ct);

    /// <summary>
    /// Removes the chunk; one already gone is fine. <paramref name="mayBeUnfinished"/>: its write may
    /// have stopped half-way (the chunk after a recording's last counted one), so any trace of that goes too.
    /// </summary>
    Task DeleteAsync(string name, bool mayBeUnfinished, CancellationToken ct);

    /// <summary>How many recordings' chunks retention deletes at once: the disk's, or a network round trip's worth.</summary>
    int DeleteParallelism { get; }
}

/// <summary>The recordings' store could not be reached (or could not write) just now: the same request may be tried again.</summary>
public sealed class RecordingStoreUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>The recordings' store settings (<c>Recordings:Store</c>, <c>Recordings:AzureBlob:*</c>).</summary>
public static class RecordingStorage
{
    public const string FileSystem = "FileSystem";
    public const string AzureBlob = "AzureBlob";
    public const string DefaultContainer = "chaperone-recordings";

    /// <summary>The store configured, checked at start-up: a wrong setting stops the app with what to fix.</summary>
    public static IRecordingBlobs Create(IConfiguration configuration, DataDirectory data)
    {
        var store = configuration["Recordings:Store"];
        if (string.IsNullOrWhiteSpace(store) || string.Equals(store, FileSystem, StringComparison.OrdinalIgnoreCase))
        {
            return new FileRecordingBlobs(data.Combine("recordings"));
        }
        if (!string.Equals(store, AzureBlob, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Recordings:Store is \"{store}\": it must be {FileSystem} (the default) or {AzureBlob}.");
        }
        var connection = configuration["Recordings:AzureBlob:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException("Recordings:Store is AzureBlob but Recordings:AzureBlob:ConnectionString is not set: give the storage account's connection string (an account key or a SAS).");
        }
        var container = configuration["Recordings:AzureBlob:Container"] is { Length: > 0 } named ? named : DefaultContainer;
        try
        {
            // A few quick tries here: past them the uploader is answered 503 and sends the chunk again
            // itself, rather than a call's page waiting on the SDK's minute-long default backoff.
            var options = new BlobClientOptions
            {
                Retry = { Mode = Azure.Core.RetryMode.Exponential, MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2), NetworkTimeout = TimeSpan.FromSeconds(30) },
            };
            return new AzureRecordingBlobs(new BlobServiceClient(connection, options).GetBlobContainerClient(container));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException("Recordings:AzureBlob:ConnectionString is not a storage connection string: " + e.Message, e);
        }
    }
}

/// <summary>
/// Chunks as files under one folder (<c>{DataDirectory}/recordings</c>): written to a temporary
/// file, flushed to disk, then moved into place, so a chunk is whole or absent.
/// </summary>
public sealed class FileRecordingBlobs(string root) : IRecordingBlobs
{
    public string PathOf(string name) => Path.Combine(root, name);

    public int DeleteParallelism => Environment.ProcessorCount * 2;

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var path = PathOf(name);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk, say: the chunk is not kept, and the uploader sends it again.
            throw new RecordingStoreUnavailableException("The recordings' folder could not be written: " + e.Message, e);
        }
    }

    public async Task<byte[]?> GetAsync(string name, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(name), ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string name, bool mayBeUnfinished, CancellationToken ct)
    {
        var path = PathOf(name);
        File.Delete(path);
        if (mayBeUnfinished)
        {
            // A chunk whose write stopped before its move.
            File.Delete(path + ".tmp");
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Chunks as block blobs in one Azure Blob Storage container (made on first use), through the
/// Azure SDK, which retries what fails for a moment. A blob's upload is committed whole when it
/// returns, so a chunk is whole or absent as on the file system.
/// </summary>
public sealed class AzureRecordingBlobs(BlobContainerClient container) : IRecordingBlobs
{
    private Task? _created;

    public BlobContainerClient Container => container;

    /// <summary>Each deletion is a round trip that costs the app almost nothing while it waits.</summary>
    public int DeleteParallelism => 32;

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        try
        {
            await EnsureContainerAsync(ct);
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            // The SDK has already retried what failed for a moment.
            throw new RecordingStoreUnavailableException("The recordings' container could not be written: " + e.Message, e);
        }
    }

    public async Task<byte[]?> GetAsync(string name, CancellationToken ct)
    {
        try
        {
            var download = await container.GetBlobClient(name).DownloadContentAsync(ct);
            return download.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw new RecordingStoreUnavailableException("The recordings' container could not be read: " + e.Message, e);
        }
    }

    /// <remarks>An upload that stopped half-way left no blob (its blocks were never committed), so <paramref name="mayBeUnfinished"/> changes nothing here.</remarks>
    public async Task DeleteAsync(string name, bool mayBeUnfinished, CancellationToken ct)
    {
        try
        {
            await container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The container itself is gone: so is the chunk.
        }
    }

    /// <summary>Whether the container can be reached (for the readiness check); it need not exist yet.</summary>
    public async Task<bool> ReachableAsync(CancellationToken ct)
    {
        try
        {
            await container.ExistsAsync(ct);
            return true;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            return false;
        }
    }

    private Task EnsureContainerAsync(CancellationToken ct)
    {
        // Made once per process; a failed attempt is tried again by the next write.
        var created = _created;
        if (created is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }
        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            // Shared by the writes waiting for it, so no one request's cancellation ends it.
            created = container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            _created = created;
        }
        return created.WaitAsync(ct);
    }
}
