using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>
/// A write-only gzip stream that compresses fixed-size blocks on <c>parallelism</c> threads while its writer goes
/// on producing the next ones, each block as its own gzip member, written in order (0: compress on the writer's
/// thread, as a plain GZipStream does). Concatenated members are one valid gzip file (RFC 1952 2.2) that GZipStream, gzip and
/// tar read as usual; deflate's window is 32 KiB, so independent 4 MiB blocks cost well under 1% of the ratio.
/// The single-threaded GZipStream was the bottleneck of a backup (docs/PERFORMANCE.md). Call
/// <see cref="Complete"/> to finish the file; disposing without it abandons a failed archive without writing more.
/// </summary>
internal sealed class ParallelGzipStream(
    Stream output, CompressionLevel level, int parallelism, int blockSize = ParallelGzipStream.DefaultBlockSize, bool accelerated = false, ArrayPool<byte>? buffers = null) : Stream
{
    public const int DefaultBlockSize = 4 * 1024 * 1024;

    private readonly Queue<Task<(byte[] Buffer, int Length, bool Isal)>> pending = new();

    // Digests taken by the compressing tasks (WriteFrom with a digest): the current block's byte ranges to hash, the
    // last block's hashing (each block's waits for the one before it, so every digest sees its bytes in order), and
    // every digest to finish once the last block is hashed.
    private readonly List<EntryDigest> digests = [];
    private List<Segment>? segments;
    private Task hashed = Task.CompletedTask;
    // The blocks' and members' buffers (tests pass a pool that overwrites what is given back, to catch a buffer still in use).
    private readonly ArrayPool<byte> pool = buffers ?? ArrayPool<byte>.Shared;
    private byte[] block = (buffers ?? ArrayPool<byte>.Shared).Rent(blockSize);
    private int filled;
    private long written;
    private bool completed;

    /// <summary>Members written so far, and how many of them ISA-L deflated (the rest zlib).</summary>
    public int Members { get; private set; }

    /// <summary>Members ISA-L deflated; fewer than <see cref="Members"/> when it was off, missing, or refused a block.</summary>
    public int IsalMembers { get; private set; }

    /// <summary>Whether <see cref="Complete"/> ran or the stream was abandoned: nothing more can be written.</summary>
    internal bool IsComplete => completed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, blockSize - filled);
            buffer[..take].CopyTo(block.AsSpan(filled));
            filled += take;
            written += take;
            buffer = buffer[take..];
            if (filled == blockSize)
            {
                Dispatch();
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="source"/> to its end straight into the blocks being filled: one copy fewer than
    /// <see cref="Write(ReadOnlySpan{byte})"/> from a reader's buffer, for the archive's largest file.
    /// </summary>
    public void WriteFrom(Stream source) => WriteFrom(source, null);

    /// <summary>
    /// As <see cref="WriteFrom(Stream)"/>, and <paramref name="digest"/> takes the SHA-256 of those bytes: each block's
    /// share is hashed by a task of its own beside the block's compression, in block order, not by the thread reading
    /// the file (which is the backup's slowest stage, ADR-046). The digest is finished by <see cref="Complete"/>.
    /// </summary>
    public void WriteFrom(Stream source, EntryDigest? digest)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        if (digest is not null)
        {
            digests.Add(digest);
        }

        while (true)
        {
            var read = source.Read(block.AsSpan(filled, blockSize - filled));
            if (read == 0)
            {
                // The file's last bytes, when still in the block being filled: their hashing finishes the digest, so
                // its native context does not wait for Complete (a runtime folder may hold many files).
                if (digest is not null && segments is { Count: > 0 } && segments[^1].Digest == digest)
                {
                    segments[^1] = segments[^1] with { Last = true };
                }

                return;
            }

            if (digest is not null)
            {
                (segments ??= []).Add(new Segment(filled, read, digest, Last: false));
            }

            filled += read;
            written += read;
            if (filled == blockSize)
            {
                Dispatch();
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Compresses what is left and writes every member, in order. The output is then a complete gzip file.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(completed, this);
        if (filled > 0 || written == 0)
        {
            Dispatch();
        }

        while (pending.Count > 0)
        {
            WriteOldest();
        }

        hashed.GetAwaiter().GetResult();
        foreach (var digest in digests)
        {
            digest.Finish();
        }

        completed = true;
        output.Flush();
    }

    // Members are only complete blocks: a flush in the middle would shrink one and change nothing for a reader.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Abandoned (an exception or cancellation upstream): let the compressions finish, write nothing.
            while (pending.Count > 0)
            {
                var task = pending.Dequeue();
                try
                {
                    pool.Return(task.GetAwaiter().GetResult().Buffer);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or OutOfMemoryException or CryptographicException or ObjectDisposedException)
                {
                }
            }

            try
            {
                hashed.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is CryptographicException or ObjectDisposedException)
            {
            }

            foreach (var digest in digests)
            {
                digest.Dispose();
            }

            pool.Return(block);
            block = [];
            completed = true;
        }

        base.Dispose(disposing);
    }

    private void Dispatch()
    {
        var data = block;
        var length = filled;
        var isal = accelerated && level == CompressionLevel.Fastest;
        var toHash = segments;
        segments = null;
        if (parallelism == 0)
        {
            if (toHash is not null)
            {
                Hash(data, toHash);
            }

            pending.Enqueue(Task.FromResult(Compress(pool, data, length, level, isal)));
        }
        else if (toHash is null)
        {
            pending.Enqueue(Task.Run(() => Compress(pool, data, length, level, isal)));
        }
        else
        {
            // The block goes back to the pool only when both its compression and its hashing are done.
            var blockHashed = hashed = hashed.ContinueWith(
                previous => { previous.GetAwaiter().GetResult(); Hash(data, toHash); }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            var compressed = Task.Run(() => Compress(pool, data, length, level, isal, returnData: false));
            pending.Enqueue(Task.WhenAll(compressed, blockHashed).ContinueWith(
                _ =>
                {
                    try
                    {
                        var result = compressed.GetAwaiter().GetResult();
                        try
                        {
                            blockHashed.GetAwaiter().GetResult();
                        }
                        catch
                        {
                            pool.Return(result.Buffer);
                            throw;
                        }

                        return result;
                    }
                    finally
                    {
                        pool.Return(data);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default));
        }

        block = pool.Rent(blockSize);
        filled = 0;
        while (pending.Count > parallelism)
        {
            WriteOldest();
        }
    }

    private void WriteOldest()
    {
        var (buffer, length, isal) = pending.Dequeue().GetAwaiter().GetResult();
        try
        {
            output.Write(buffer, 0, length);
            Members++;
            IsalMembers += isal ? 1 : 0;
        }
        finally
        {
            pool.Return(buffer);
        }
    }

    private static void Hash(byte[] data, List<Segment> toHash)
    {
        foreach (var (offset, count, digest, last) in toHash)
        {
            digest.Append(data.AsSpan(offset, count));
            if (last)
            {
                digest.Finish();
            }
        }
    }

    private static (byte[] Buffer, int Length, bool Isal) Compress(ArrayPool<byte> pool, byte[] data, int length, CompressionLevel level, bool isal, bool returnData = true)
    {
        try
        {
            // zlib's worst case for any level (deflateBound without its tuned-settings shortcut): the fastest level
            // codes incompressible bytes with static Huffman trees, up to 9 bits a byte, so data can grow by ~14%.
            // ISA-L falls back to stored blocks within the same room.
            var target = pool.Rent(length + (length >> 3) + (length >> 6) + 1024);
            if (isal && IsalDeflate.TryCompressGzipMember(data.AsSpan(0, length), target) is var isalLength and >= 0)
            {
                return (target, isalLength, true);
            }

            var memory = new MemoryStream(target, 0, target.Length, writable: true, publiclyVisible: true);
            using (var gzip = new GZipStream(memory, level, leaveOpen: true))
            {
                gzip.Write(data, 0, length);
            }

            return (target, (int)memory.Position, false);
        }
        finally
        {
            if (returnData)
            {
                pool.Return(data);
            }
        }
    }

    /// <summary>A byte range of a block that belongs to a file whose digest the compressing tasks take; the file's last one finishes it.</summary>
    private readonly record struct Segment(int Offset, int Count, EntryDigest Digest, bool Last);
}
