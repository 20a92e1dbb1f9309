using Microsoft.Win32.SafeHandles;

namespace Autopack.Storage.Backup;

/// <summary>
/// Writes through to a file and, each time another <c>chunk</c> bytes have gone in, flushes the file to disk on a
/// thread of its own while the writer goes on (one such flush at a time). The archive's last fsync then has only
/// the last chunk left to write, not the whole archive: it took 80-110 ms for a 133 MB archive here and about 10 ms
/// this way (docs/PERFORMANCE.md). A background flush that fails fails the archive: the kernel reports a write
/// error to one fsync only, so the last fsync could not be trusted to see it.
/// </summary>
internal sealed class WritebackStream(FileStream file, long chunk = WritebackStream.DefaultChunk, Action<SafeFileHandle>? flush = null) : Stream
{
    public const long DefaultChunk = 32 * 1024 * 1024;

    private readonly Action<SafeFileHandle> flushToDisk = flush ?? RandomAccess.FlushToDisk;

    private long flushedTo = file.Position;
    private Task background = Task.CompletedTask;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => file.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>How many background flushes were started.</summary>
    public int BackgroundFlushes { get; private set; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        if (background.IsCompleted && file.Position - flushedTo >= chunk)
        {
            background.GetAwaiter().GetResult();
            file.Flush(flushToDisk: false);
            flushedTo = file.Position;
            var handle = file.SafeFileHandle;
            background = Task.Factory.StartNew(() => flushToDisk(handle), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            BackgroundFlushes++;
        }
    }

    /// <summary>Waits for the flush in flight; throws its failure. The caller's own fsync comes after.</summary>
    public void Finish() => background.GetAwaiter().GetResult();

    public override void Flush() => file.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // An abandoned archive: the file is closed after this, so the flush must be over. Its error no longer matters,
            // and must not replace the exception that is abandoning the archive.
            try
            {
                background.GetAwaiter().GetResult();
            }
#pragma warning disable CA1031 // Whatever the flush failed with, the archive is being thrown away.
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
            }
        }

        base.Dispose(disposing);
    }
}
