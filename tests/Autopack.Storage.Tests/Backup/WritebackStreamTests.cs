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

    /// <summary>
    /// A background flush that fails fails the archive when the writer asks for the result (Linux reports a write error
    /// to one fsync only), and disposing an abandoned archive does not throw it over the exception abandoning it.
    /// </summary>
    [Test]
    public void Finish_AfterABackgroundFlushFailed_ThrowsItsError_AndDisposeDoesNot()
    {
        var flushes = 0;
        using var file = new FileStream(Path.Combine(folder, "failing"), FileMode.CreateNew, FileAccess.Write);
        var writeback = new WritebackStream(file, chunk: 1024, flush: _ =>
        {
            Interlocked.Increment(ref flushes);
            throw new IOException("Input/output error (simulated)");
        });

        writeback.Write(new byte[4096]);

        var thrown = Assert.Throws<IOException>(writeback.Finish);
        Assert.That(thrown!.Message, Does.Contain("simulated"));
        Assert.That(flushes, Is.EqualTo(1));
        Assert.DoesNotThrow(writeback.Dispose);
    }

    /// <summary>Once the failed flush has ended, the next write past a chunk throws it too: the archive stops there.</summary>
    [Test]
    public void Write_PastTheNextChunkAfterAFailedFlush_Throws()
    {
        using var failed = new ManualResetEventSlim();
        using var file = new FileStream(Path.Combine(folder, "failing-write"), FileMode.CreateNew, FileAccess.Write);
        using var writeback = new WritebackStream(file, chunk: 1024, flush: _ =>
        {
            failed.Set();
            throw new IOException("Input/output error (simulated)");
        });
        writeback.Write(new byte[2048]);
        Assert.That(failed.Wait(TimeSpan.FromSeconds(10)), Is.True);

        // The task ends just after the delegate throws; writes before that keep going without a new flush.
        Assert.That(
            () =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    writeback.Write(new byte[1024]);
                    Thread.Sleep(1);
                }
            },
            Throws.InstanceOf<IOException>());
    }
}
