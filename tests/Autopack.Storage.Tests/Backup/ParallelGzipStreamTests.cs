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

    /// <summary>
    /// Hundreds of small blocks with many in flight: a block's buffer goes back to the pool only after both its
    /// compression and its hashing (the pool here overwrites every buffer given back, so one given back early would
    /// change a digest or the archive), and every digest is that of the bytes archived, in order.
    /// </summary>
    [TestCase(4_096, 8)]
    [TestCase(4_096, 2)]
    [TestCase(65_536, 16)]
    public void WriteFrom_ManySmallBlocksManyInFlight_DigestsEveryFileExactly(int blockSize, int parallelism)
    {
        var files = Enumerable.Range(0, 3).Select(i =>
        {
            var data = new byte[(blockSize * 300) + (i * 7_919)];
            new Random(10 + i).NextBytes(data);
            return data;
        }).ToArray();
        using var file = new MemoryStream();
        var slices = files.Select((data, i) => new DigestingSliceStream(new MemoryStream(data), $"f{i}", data.Length, null, CancellationToken.None)).ToList();

        using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, parallelism, blockSize, buffers: new PoisoningPool()))
        {
            foreach (var slice in slices)
            {
                gzip.Write(new byte[] { 42 });
                slice.CopyTo(gzip);
            }

            gzip.Complete();
        }

        Assert.That(slices.Select(x => x.Sha256), Is.EqualTo(files.Select(d => Convert.ToHexStringLower(SHA256.HashData(d)))));
        file.Position = 0;
        using var back = new MemoryStream();
        using (var reader = new GZipStream(file, CompressionMode.Decompress))
        {
            reader.CopyTo(back);
        }

        Assert.That(back.ToArray(), Is.EqualTo(files.SelectMany(d => new byte[] { 42 }.Concat(d)).ToArray()));
        slices.ForEach(x => x.Dispose());
    }

    /// <summary>A runtime folder's many tiny files share one block: each gets its own digest.</summary>
    [Test]
    public void TarEntries_HundredsOfTinyFilesInOneBlock_EachDigestIsItsOwn()
    {
        var files = Enumerable.Range(0, 300).Select(i => System.Text.Encoding.UTF8.GetBytes($"line {i}\n{new string('x', i % 17)}")).ToArray();
        var digests = new List<EntryDigest>();
        using (var gzip = new ParallelGzipStream(new MemoryStream(), CompressionLevel.Fastest, 2))
        {
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                for (var i = 0; i < files.Length; i++)
                {
                    using var slice = new DigestingSliceStream(new MemoryStream(files[i]), $"f{i}", files[i].Length, null, CancellationToken.None);
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"f{i}") { DataStream = slice });
                    digests.Add(slice.Digest);
                }
            }

            gzip.Complete();
        }

        Assert.That(digests.Select(d => d.Value), Is.EqualTo(files.Select(f => Convert.ToHexStringLower(SHA256.HashData(f)))));
    }

    /// <summary>Bytes read before the copy are hashed as they were read, the rest with them, by the reading thread.</summary>
    [Test]
    public void CopyTo_AfterAPartialRead_DigestsEveryByteOnTheReadingThread()
    {
        var data = new byte[200_000];
        new Random(6).NextBytes(data);
        using var slice = new DigestingSliceStream(new MemoryStream(data), "log", data.Length, null, CancellationToken.None);
        using var gzip = new ParallelGzipStream(new MemoryStream(), CompressionLevel.Fastest, 2, 65_536);

        var head = new byte[100];
        Assert.That(slice.Read(head), Is.EqualTo(100));
        gzip.Write(head);
        slice.CopyTo(gzip);

        Assert.That(slice.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(data))), "known before the gzip stream is complete");
        gzip.Complete();
    }

    /// <summary>A digest disposed while its blocks wait to be hashed fails the archive: no manifest with a wrong digest.</summary>
    [Test]
    public void Complete_DigestDisposedBeforeItsHashing_Throws_AndDisposeStaysQuiet()
    {
        var data = new byte[1_000_000];
        new Random(7).NextBytes(data);
        using var slice = new DigestingSliceStream(new MemoryStream(data), "db", data.Length, null, CancellationToken.None);
        var gzip = new ParallelGzipStream(new MemoryStream(), CompressionLevel.Fastest, 2, 65_536);
        slice.CopyTo(gzip);

        slice.Digest.Dispose();

        Assert.Throws<ObjectDisposedException>(gzip.Complete);
        Assert.DoesNotThrow(gzip.Dispose);
    }

    /// <summary>A file that fails part way (an I/O error) fails the copy with that error; abandoning the stream throws nothing.</summary>
    [Test]
    public void WriteFrom_SourceFailsPartWay_ThrowsItsError_AndDisposeStaysQuiet()
    {
        var data = new byte[600_000];
        using var slice = new DigestingSliceStream(new FailingStream(data, failAfter: 300_000), "db", data.Length, null, CancellationToken.None);
        var gzip = new ParallelGzipStream(new MemoryStream(), CompressionLevel.Fastest, 2, 65_536);

        Assert.Throws<IOException>(() => slice.CopyTo(gzip));
        Assert.DoesNotThrow(gzip.Dispose);
        Assert.That(slice.Digest.Value, Is.Null);
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

    /// <summary>Reads like a file until <c>failAfter</c> bytes, then fails as a disk error would.</summary>
    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) =>
            Position >= failAfter ? throw new IOException("simulated read error") : base.Read(buffer[..(int)Math.Min(buffer.Length, failAfter - Position)]);
    }

    /// <summary>A pool that hands out fresh arrays and overwrites every array given back, as reuse by another block would.</summary>
    private sealed class PoisoningPool : System.Buffers.ArrayPool<byte>
    {
        public override byte[] Rent(int minimumLength) => new byte[minimumLength];

        public override void Return(byte[] array, bool clearArray = false) => array.AsSpan().Fill(0xEE);
    }
}
