using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

public class WritebackStreamTests
{
    private string folder = null!;

    [SetUp]
    public void SetUp() => folder = Directory.CreateTempSubdirectory("autopack-writeback-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(folder, recursive: true);

    /// <summary>
    /// Past each chunk the file is flushed on another thread while writes go on; the bytes land where the file's
    /// position was when the stream was made (the backup starts after the manifest's reserved region).
    /// </summary>
    [Test]
    public void Write_PastTheChunk_FlushesInTheBackgroundAndKeepsEveryByte()
    {
        var path = Path.Combine(folder, "archive.partial");
        var data = new byte[1_000_000];
        new Random(5).NextBytes(data);
        const int reserved = 100;

        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Position = reserved;
            using var writeback = new WritebackStream(file, chunk: 64 * 1024);
            for (var offset = 0; offset < data.Length; offset += 10_007)
            {
                writeback.Write(data.AsSpan(offset, Math.Min(10_007, data.Length - offset)));
            }

            writeback.Finish();
            Assert.That(writeback.Position, Is.EqualTo(reserved + data.Length));
            Assert.That(writeback.BackgroundFlushes, Is.GreaterThanOrEqualTo(1));
            file.Flush(flushToDisk: true);
        }

        var written = File.ReadAllBytes(path);
        Assert.That(written, Has.Length.EqualTo(reserved + data.Length));
        Assert.That(written.AsSpan(reserved).SequenceEqual(data), Is.True);
    }

    /// <summary>Less than one chunk never starts a flush: a small archive is made durable by the caller's fsync alone.</summary>
    [Test]
    public void Write_LessThanAChunk_StartsNoFlush()
    {
        using var file = new FileStream(Path.Combine(folder, "small"), FileMode.CreateNew, FileAccess.Write);
        using var writeback = new WritebackStream(file, chunk: 64 * 1024);

        writeback.Write(new byte[64 * 1024 - 1]);
        writeback.Finish();

        Assert.That(writeback.BackgroundFlushes, Is.Zero);
    }
}
