using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

public class ParallelGzipStreamTests
{
    /// <summary>
    /// Incompressible data grows under the fastest level (static Huffman codes, up to 9 bits a byte). A block size
    /// whose old output buffer (length + 0.1% + 1 KiB) landed exactly on an array-pool size overflowed it.
    /// </summary>
    [TestCase(1_046_505, 1, false)]
    [TestCase(1_046_505, 2, false)]
    [TestCase(65_536, 2, false)]
    [TestCase(1_046_505, 2, true)]
    [TestCase(65_536, 0, true)]
    public void Complete_IncompressibleData_RoundTripsThroughGzip(int blockSize, int parallelism, bool accelerated)
    {
        var data = new byte[(blockSize * 3) + 12_345];
        new Random(blockSize).NextBytes(data);
        using var file = new MemoryStream();

        using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, parallelism, blockSize, accelerated))
        {
            gzip.Write(data);
            gzip.Complete();
        }

        file.Position = 0;
        using var reader = new GZipStream(file, CompressionMode.Decompress);
        using var back = new MemoryStream();
        reader.CopyTo(back);
        Assert.That(back.ToArray(), Is.EqualTo(data));
    }

    /// <summary>
    /// ISA-L's members and zlib's are alike to a reader: the same compressible data through either comes back
    /// exactly, and ISA-L's is the smaller (its level 1 matches more than zlib-ng's fastest path).
    /// </summary>
    [Test]
    public void Accelerated_TextLikeData_RoundTripsAndIsSmallerThanZlib()
    {
        Assert.That(IsalDeflate.IsAvailable, Is.True, "libisal2 is installed by .ci/setup-test-deps.sh");
        var data = IsalDeflateTests.TextLike(3_000_000);
        var sizes = new Dictionary<bool, long>();
        foreach (var accelerated in new[] { false, true })
        {
            using var file = new MemoryStream();
            using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, 2, 1_000_000, accelerated))
            {
                gzip.Write(data);
                gzip.Complete();
            }

            sizes[accelerated] = file.Length;
            file.Position = 0;
            using var reader = new GZipStream(file, CompressionMode.Decompress);
            using var back = new MemoryStream();
            reader.CopyTo(back);
            Assert.That(back.ToArray(), Is.EqualTo(data), accelerated ? "ISA-L" : "zlib");
        }

        Assert.That(sizes[true], Is.LessThan(sizes[false]));
    }

    /// <summary>
    /// The archive's files are read straight into the blocks (no reader's buffer in between): bytes written before
    /// and after, block boundaries inside the file and a file longer than the slice (a log still growing) all come
    /// back exactly, and the slice's digest is that of the bytes archived.
    /// </summary>
    [TestCase(65_536, 0)]
    [TestCase(65_536, 2)]
    [TestCase(1_000_003, 2)]
    public void WriteFrom_BetweenOtherWrites_RoundTripsAndDigestsTheSlice(int blockSize, int parallelism)
    {
        var header = new byte[512];
        new Random(1).NextBytes(header);
        var source = new byte[(blockSize * 2) + 777];
        new Random(2).NextBytes(source);
        var length = source.Length - 300;
        var trailer = new byte[] { 1, 2, 3 };
        using var file = new MemoryStream();
        using var slice = new DigestingSliceStream(new MemoryStream(source), "log", length, null, CancellationToken.None);

        using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, parallelism, blockSize))
        {
            gzip.Write(header);
            slice.CopyTo(gzip);
            gzip.Write(trailer);
            Assert.That(gzip.Position, Is.EqualTo(header.Length + length + trailer.Length));
            gzip.Complete();
        }

        file.Position = 0;
        using var reader = new GZipStream(file, CompressionMode.Decompress);
        using var back = new MemoryStream();
        reader.CopyTo(back);
        Assert.That(back.ToArray(), Is.EqualTo(header.Concat(source.Take(length)).Concat(trailer).ToArray()));
        Assert.That(slice.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(source.AsSpan(0, length)))));
    }

    /// <summary>A stream abandoned before it is complete (a failed backup) waits for its tasks, throws nothing, finishes no digest.</summary>
    [Test]
    public void WriteFrom_AbandonedBeforeComplete_DisposesQuietlyWithNoDigest()
    {
        var data = new byte[300_000];
        new Random(5).NextBytes(data);
        using var slice = new DigestingSliceStream(new MemoryStream(data), "db", data.Length, null, CancellationToken.None);

        using (var gzip = new ParallelGzipStream(new MemoryStream(), CompressionLevel.Fastest, 2, 65_536))
        {
            slice.CopyTo(gzip);
        }

        Assert.That(slice.Digest.Value, Is.Null);
        Assert.Throws<InvalidOperationException>(() => _ = slice.Sha256);
    }

    /// <summary>TarWriter copies an entry's data into the gzip stream itself, then pads it: tar reads every entry back.</summary>
    [Test]
    public void TarEntries_CopiedStraightIntoTheBlocks_ReadBackWithTarReader()
    {
        var first = new byte[200_001];
        var second = new byte[70_000];
        new Random(3).NextBytes(first);
        new Random(4).NextBytes(second);
        using var file = new MemoryStream();
        var digests = new List<EntryDigest>();
        using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, 2, 65_536))
        {
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var (name, data) in new[] { ("a.bin", first), ("b.bin", second) })
                {
                    using var slice = new DigestingSliceStream(new MemoryStream(data), name, data.Length, null, CancellationToken.None);
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = slice });
                    digests.Add(slice.Digest);
                }
            }

            Assert.That(digests.Select(d => d.Value), Is.All.Null, "the compressing tasks take the digests; they end with the stream");
            gzip.Complete();
        }

        // Both files span several blocks and share one (the first's tail, the second's head), each hashed in block order.
        Assert.That(
            digests.Select(d => d.Value),
            Is.EqualTo(new[] { Convert.ToHexStringLower(SHA256.HashData(first)), Convert.ToHexStringLower(SHA256.HashData(second)) }));

        file.Position = 0;
        using var tarReader = new TarReader(new GZipStream(file, CompressionMode.Decompress));
        var read = new Dictionary<string, byte[]>();
        while (tarReader.GetNextEntry() is { } entry)
        {
            using var copy = new MemoryStream();
            entry.DataStream!.CopyTo(copy);
            read[entry.Name] = copy.ToArray();
        }

        Assert.That(read.Keys, Is.EquivalentTo(new[] { "a.bin", "b.bin" }));
        Assert.That(read["a.bin"], Is.EqualTo(first));
        Assert.That(read["b.bin"], Is.EqualTo(second));
    }
}
