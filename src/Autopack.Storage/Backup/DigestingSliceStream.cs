using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>
/// Reads exactly <c>length</c> bytes of a file that may still be growing (a log being appended to), so the size a
/// tar header announces is the size that follows, and has their SHA-256 taken: the manifest lists the digest of
/// exactly the bytes archived. Copied into the backup's <see cref="ParallelGzipStream"/>, the compressing tasks take
/// it, block by block (ADR-046); read any other way, this stream takes it as it reads. A file that shrinks meanwhile
/// fails the backup. Seekable only in the sense TarWriter needs: it asks for Length and Position.
/// </summary>
internal sealed class DigestingSliceStream(Stream inner, string name, long length, Action<long>? onRead, CancellationToken cancellationToken) : Stream
{
    internal const int CopyBufferSize = 1024 * 1024;

    private long position;

    // Copied into a ParallelGzipStream: the digest is taken by its compressing tasks, finished by its Complete.
    private bool hashedByCompressors;

    /// <summary>The SHA-256 of the bytes archived (its owner, a gzip stream, may still be taking it).</summary>
    public EntryDigest Digest { get; } = new();

    /// <summary>
    /// The SHA-256 (lower-case hex) of the bytes read, once all <c>length</c> of them were (copied into the backup's
    /// gzip stream: once that stream is complete).
    /// </summary>
    public string Sha256 => Digest.Value ?? throw new InvalidOperationException(
        hashedByCompressors ? $"the digest of {name} is taken by the gzip stream, which is not complete" : $"{name} was not read to its end");

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

    /// <summary>The digest of an empty file, which is never opened.</summary>
    public static string EmptySha256 { get; } = Convert.ToHexStringLower(SHA256.HashData([]));

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

    // TarWriter copies with Stream.CopyTo's default 80 KB buffer; bigger reads keep the compressors fed, and the
    // backup's own gzip stream takes the bytes into its blocks directly.
    public override void CopyTo(Stream destination, int bufferSize)
    {
        if (destination is ParallelGzipStream gzip && position == 0)
        {
            // The gzip stream owns the digest from here on (it finishes or disposes it); a finished one takes nothing.
            ObjectDisposedException.ThrowIf(gzip.IsComplete, gzip);
            hashedByCompressors = true;
            gzip.WriteFrom(this, Digest);
            return;
        }

        base.CopyTo(destination, BufferFor(bufferSize));
    }

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
            if (!hashedByCompressors)
            {
                Digest.Dispose();
            }

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

        if (!hashedByCompressors)
        {
            Digest.Append(data);
        }

        position += data.Length;
        onRead?.Invoke(data.Length);
        if (position == length && !hashedByCompressors)
        {
            Digest.Finish();
        }

        return data.Length;
    }
}
