using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Autopack.Storage.Backup;

/// <summary>
/// Decompresses a gzip file of one or more members (RFC 1952; ParallelGzipStream writes many) and checks the whole
/// container as it goes: each member's header, its deflate data, its CRC-32 and ISIZE, and that the file ends exactly
/// where the last member does. GZipStream checks less: it ignores bytes after the last member that do not start a
/// new one, and a reader that stops at tar's end-of-archive never reaches the last member's trailer. Throws
/// <see cref="InvalidDataException"/> naming the byte offset of the problem. Read it to its end (0) to have checked it all.
/// </summary>
internal sealed class VerifiedGzipStream(Stream file) : Stream
{
    // DeflateStream reads its input 8 KiB at a time, so a member's end lies at most that far before the file position
    // it leaves behind; the window is wider so that a different buffer size in a later runtime still fits.
    private const int TrailerWindow = 64 * 1024;

    private readonly Crc32 crc = new();
    private DeflateStream? member;
    private long memberStart;
    private long dataStart;
    private long memberLength;
    private bool ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (!ended && !buffer.IsEmpty)
        {
            if (member is null && !StartMember())
            {
                ended = true;
                break;
            }

            var read = member!.Read(buffer);
            if (read > 0)
            {
                crc.Append(buffer[..read]);
                memberLength += read;
                return read;
            }

            EndMember();
        }

        return 0;
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
            member?.Dispose();
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads the header of the member at the file's position; false at the end of the file (after at least one member).</summary>
    private bool StartMember()
    {
        memberStart = file.Position;
        Span<byte> fixedPart = stackalloc byte[10];
        var got = file.ReadAtLeast(fixedPart, fixedPart.Length, throwOnEndOfStream: false);
        if (got == 0 && memberStart > 0)
        {
            return false;
        }

        if (got < 2 || fixedPart[0] != 0x1f || fixedPart[1] != 0x8b)
        {
            throw new InvalidDataException(memberStart == 0
                ? "not a gzip file"
                : $"{file.Length - memberStart} trailing bytes after the last gzip member (at byte {memberStart})");
        }

        if (got < fixedPart.Length)
        {
            throw new InvalidDataException($"the file ends inside a gzip member header at byte {memberStart}");
        }

        var flags = fixedPart[3];
        if (fixedPart[2] != 8 || (flags & 0xe0) != 0)
        {
            throw new InvalidDataException($"gzip member at byte {memberStart} has an unknown method or flags");
        }

        if ((flags & 0x04) != 0)
        {
            Span<byte> extraLength = stackalloc byte[2];
            file.ReadExactly(extraLength);
            file.Seek(BinaryPrimitives.ReadUInt16LittleEndian(extraLength), SeekOrigin.Current);
        }

        if ((flags & 0x08) != 0)
        {
            SkipZeroTerminated();
        }

        if ((flags & 0x10) != 0)
        {
            SkipZeroTerminated();
        }

        if ((flags & 0x02) != 0)
        {
            file.Seek(2, SeekOrigin.Current);
        }

        dataStart = file.Position;
        if (dataStart >= file.Length)
        {
            throw new InvalidDataException($"the file ends inside a gzip member header at byte {memberStart}");
        }

        member = new DeflateStream(file, CompressionMode.Decompress, leaveOpen: true);
        crc.Reset();
        memberLength = 0;
        return true;
    }

    /// <summary>
    /// The member's deflate data has ended somewhere before the file position DeflateStream left: its trailer is the
    /// CRC-32 and ISIZE of what it decompressed, followed by the end of the file or the next member's magic bytes.
    /// </summary>
    private void EndMember()
    {
        var readTo = file.Position;
        member!.Dispose();
        member = null;

        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)memberLength));

        // The first place at or before that position holding exactly these 8 bytes is the trailer: deflate data
        // matching them by chance is a 1 in 2^64 event. What follows is the next member's header, or the end.
        var from = Math.Max(dataStart, readTo - TrailerWindow);
        var window = new byte[(int)(Math.Min(file.Length, readTo + trailer.Length) - from)];
        file.Position = from;
        file.ReadExactly(window);
        var at = window.AsSpan().IndexOf(trailer);
        if (at < 0 || from + at > readTo)
        {
            throw new InvalidDataException(
                $"the gzip member at byte {memberStart} does not end with the CRC-32 and ISIZE of its data (damaged, or truncated in its trailer)");
        }

        file.Position = from + at + trailer.Length;
    }

    private void SkipZeroTerminated()
    {
        int b;
        do
        {
            b = file.ReadByte();
        }
        while (b > 0);

        if (b < 0)
        {
            throw new InvalidDataException($"the file ends inside a gzip member header at byte {memberStart}");
        }
    }
}
