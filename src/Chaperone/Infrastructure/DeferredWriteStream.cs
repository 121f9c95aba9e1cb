namespace Chaperone.Infrastructure;

/// <summary>
/// A write-only stream in front of one that must only be written asynchronously (an HTTP response,
/// where Kestrel refuses synchronous writes), for a writer that still writes synchronously in places
/// (<see cref="System.IO.Compression.ZipArchive"/>'s headers and descriptors). Synchronous writes are
/// held in memory and passed on at the next asynchronous write or <see cref="DrainAsync"/>, so what is
/// held is at most what the writer wrote synchronously since then.
/// </summary>
public sealed class DeferredWriteStream(Stream inner) : Stream
{
    private readonly MemoryStream _held = new();

    /// <summary>Passes on everything held.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        if (_held.Length > 0)
        {
            await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), ct);
            _held.SetLength(0);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => _held.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _held.Write(buffer);

    public override void WriteByte(byte value) => _held.WriteByte(value);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing is written synchronously: what is held waits for <see cref="FlushAsync(CancellationToken)"/> or <see cref="DrainAsync"/>.</summary>
    public override void Flush()
    {
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _held.Dispose();
        }
        base.Dispose(disposing);
    }
}
