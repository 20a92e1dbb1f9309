using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>
/// Reads exactly <c>length</c> bytes of a file that may still be growing (a log being appended to), so the size a
/// tar header announces is the size that follows, and checks on the last byte that they hash to what the manifest
/// already says. A file rewritten (not appended to) during the backup fails the backup instead of producing an
/// archive whose manifest lies. A null <c>expectedSha256</c> skips the second hash, for files only this backup can
/// write to (the database snapshot). Seekable only in the sense TarWriter needs: it asks for Length and Position.
/// </summary>
internal sealed class VerifiedSliceStream(
    Stream inner, string name, long length, string? expectedSha256, Action<long>? onRead, CancellationToken cancellationToken) : Stream
{
    internal const int CopyBufferSize = 1024 * 1024;

    private readonly IncrementalHash? hash = expectedSha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => position;
        set
        {
            if (value != position)
            {
                throw new NotSupportedException();
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var want = (int)Math.Min(buffer.Length, length - position);
        if (want == 0)
        {
            return 0;
        }

        var got = inner.Read(buffer[..want]);
        return Account(buffer[..got]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken readCancellation = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, readCancellation);
        var want = (int)Math.Min(buffer.Length, length - position);
        if (want == 0)
        {
            return 0;
        }

        var got = await inner.ReadAsync(buffer[..want], linked.Token).ConfigureAwait(false);
        return Account(buffer.Span[..got]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken readCancellation) =>
        ReadAsync(buffer.AsMemory(offset, count), readCancellation).AsTask();

    // TarWriter copies with Stream.CopyTo's default 80 KB buffer; bigger reads keep the compressor fed.
    public override void CopyTo(Stream destination, int bufferSize) => base.CopyTo(destination, BufferFor(bufferSize));

    public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken copyCancellation) =>
        base.CopyToAsync(destination, BufferFor(bufferSize), copyCancellation);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash?.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int BufferFor(int requested) => (int)Math.Clamp(length - position, Math.Min(requested, 1), CopyBufferSize);

    private int Account(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            throw new IOException($"{name} shrank while it was being backed up; run the backup again");
        }

        hash?.AppendData(data);
        position += data.Length;
        onRead?.Invoke(data.Length);
        if (position == length && hash is not null && Convert.ToHexStringLower(hash.GetHashAndReset()) != expectedSha256)
        {
            throw new IOException($"{name} changed while it was being backed up; run the backup again");
        }

        return data.Length;
    }
}
