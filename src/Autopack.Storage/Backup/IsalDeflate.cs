using System.Runtime.InteropServices;

namespace Autopack.Storage.Backup;

/// <summary>
/// Deflate level 1 from Intel's ISA-L (<c>libisal.so.2</c>, Debian's <c>libisal2</c>), used for the backup's gzip
/// members when the library is installed (ADR-044). On this machine it compresses the bench's database in 0.61 CPU s
/// where zlib-ng's level 1 (GZipStream's Fastest) takes 0.91, and 9% smaller. Each call is one stateless
/// compression of a whole block into one gzip member (header, deflate data, CRC-32 and size), which any gzip reader
/// takes. Without the library, or when a call fails, the caller compresses with zlib as before.
/// </summary>
internal static unsafe class IsalDeflate
{
    /// <summary>The library's soname: the ABI of <c>isal_zstream</c>'s leading fields, which this binding writes.</summary>
    public const string Library = "libisal.so.2";

    // struct isal_zstream (igzip_lib.h, ISA-L 2.x): the fields set here, by offset on 64-bit targets.
    private const int NextIn = 0;
    private const int AvailIn = 8;
    private const int NextOut = 16;
    private const int AvailOut = 24;
    private const int TotalOut = 28;
    private const int Level = 40;
    private const int LevelBufSize = 44;
    private const int LevelBuf = 48;
    private const int EndOfStream = 56;
    private const int Flush = 58;
    private const int GzipFlag = 60;

    // sizeof(struct isal_zstream) is 82,384 bytes in 2.30 (its internal state is inline); room for a later 2.x to grow.
    private const int StreamBytes = 256 * 1024;

    // ISAL_DEF_LVL1_DEFAULT: the level-1 hash tables and token buffer the caller provides.
    private const int Level1BufferBytes = 282_624;
    private const ushort IgzipGzip = 1;

    private static readonly Lazy<Entry?> Entries = new(Load);

    // The two exports' addresses, called as unmanaged function pointers.
    private sealed record Entry(nint Init, nint Deflate);

    /// <summary>True when libisal.so.2 loads and has the two entry points used.</summary>
    public static bool IsAvailable => Entries.Value is not null;

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/> as one gzip member at level 1. Returns
    /// the member's length, or -1 when the library is missing or refuses (the output too small, an error code):
    /// the caller then compresses the block with zlib.
    /// </summary>
    public static int TryCompressGzipMember(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (Entries.Value is not { } entry)
        {
            return -1;
        }

        var stream = (byte*)NativeMemory.AllocZeroed(StreamBytes);
        var levelBuffer = (byte*)NativeMemory.Alloc(Level1BufferBytes);
        try
        {
            ((delegate* unmanaged<byte*, void>)entry.Init)(stream);
            fixed (byte* inBytes = input)
            fixed (byte* outBytes = output)
            {
                *(byte**)(stream + NextIn) = inBytes;
                *(uint*)(stream + AvailIn) = (uint)input.Length;
                *(byte**)(stream + NextOut) = outBytes;
                *(uint*)(stream + AvailOut) = (uint)output.Length;
                *(uint*)(stream + Level) = 1;
                *(uint*)(stream + LevelBufSize) = Level1BufferBytes;
                *(byte**)(stream + LevelBuf) = levelBuffer;
                *(ushort*)(stream + EndOfStream) = 1;
                *(ushort*)(stream + Flush) = 0;
                *(ushort*)(stream + GzipFlag) = IgzipGzip;
                var result = ((delegate* unmanaged<byte*, int>)entry.Deflate)(stream);
                var written = *(uint*)(stream + TotalOut);
                return result == 0 && *(uint*)(stream + AvailIn) == 0 && written <= (uint)output.Length ? (int)written : -1;
            }
        }
        finally
        {
            NativeMemory.Free(levelBuffer);
            NativeMemory.Free(stream);
        }
    }

    private static Entry? Load()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || !NativeLibrary.TryLoad(Library, out var handle))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(handle, "isal_deflate_stateless_init", out var init)
            || !NativeLibrary.TryGetExport(handle, "isal_deflate_stateless", out var deflate))
        {
            return null;
        }

        return new Entry(init, deflate);
    }
}
