using System.IO.Compression;
using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

public class ParallelGzipStreamTests
{
    /// <summary>
    /// Incompressible data grows under the fastest level (static Huffman codes, up to 9 bits a byte). A block size
    /// whose old output buffer (length + 0.1% + 1 KiB) landed exactly on an array-pool size overflowed it.
    /// </summary>
    [TestCase(1_046_505, 1)]
    [TestCase(1_046_505, 2)]
    [TestCase(65_536, 2)]
    public void Complete_IncompressibleData_RoundTripsThroughGzip(int blockSize, int parallelism)
    {
        var data = new byte[(blockSize * 3) + 12_345];
        new Random(blockSize).NextBytes(data);
        using var file = new MemoryStream();

        using (var gzip = new ParallelGzipStream(file, CompressionLevel.Fastest, parallelism, blockSize))
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
}
