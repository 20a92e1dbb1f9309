using System.IO.Compression;
using System.Text;
using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

/// <summary>
/// ISA-L's deflate through its C ABI. The test suite's setup installs libisal2 (.ci/setup-test-deps.sh), so these
/// tests require it: a binding that silently fell back to zlib would pass everything else.
/// </summary>
public class IsalDeflateTests
{
    [SetUp]
    public void RequireLibrary() =>
        Assert.That(IsalDeflate.IsAvailable, Is.True, $"{IsalDeflate.Library} is not loadable: run .ci/setup-test-deps.sh (Debian package libisal2)");

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4 * 1024 * 1024)]
    public void Member_OfTextLikeData_IsOneGzipMemberThatGzipStreamReadsBack(int length)
    {
        var data = TextLike(length);
        var output = new byte[length + (length >> 3) + 1024];

        var written = IsalDeflate.TryCompressGzipMember(data, output);

        Assert.That(written, Is.GreaterThan(0));
        if (length >= 1024 * 1024)
        {
            Assert.That(written, Is.LessThan(length / 3), "text compresses");
        }

        Assert.That(Decompress(output.AsSpan(0, written).ToArray()), Is.EqualTo(data));
    }

    /// <summary>Random bytes do not compress: the member stays within the room the caller gives (stored blocks).</summary>
    [Test]
    public void Member_OfRandomData_FitsTheCallersRoomAndReadsBack()
    {
        var data = new byte[1_046_505];
        new Random(6).NextBytes(data);
        var output = new byte[data.Length + (data.Length >> 3) + (data.Length >> 6) + 1024];

        var written = IsalDeflate.TryCompressGzipMember(data, output);

        Assert.That(written, Is.InRange(data.Length, output.Length));
        Assert.That(Decompress(output.AsSpan(0, written).ToArray()), Is.EqualTo(data));
    }

    /// <summary>Too little room is a refusal (-1, the caller uses zlib), never a write past the buffer.</summary>
    [Test]
    public void Member_WithTooLittleRoom_IsRefusedWithoutWritingPastTheBuffer()
    {
        var data = new byte[100_000];
        new Random(7).NextBytes(data);
        var buffer = new byte[1_000 + 16];
        buffer.AsSpan(1_000).Fill(0xAB);

        var written = IsalDeflate.TryCompressGzipMember(data, buffer.AsSpan(0, 1_000));

        Assert.That(written, Is.EqualTo(-1));
        Assert.That(buffer.AsSpan(1_000).ToArray(), Is.All.EqualTo(0xAB));
    }

    /// <summary>Members from several threads at once (the backup compresses on every core) are each intact.</summary>
    [Test]
    public void Members_CompressedInParallel_AreEachIntact()
    {
        var blocks = Enumerable.Range(0, 8).Select(i => TextLike(300_000 + i)).ToArray();
        var members = new byte[blocks.Length][];

        Parallel.For(0, blocks.Length, i =>
        {
            var output = new byte[blocks[i].Length + 1024];
            var written = IsalDeflate.TryCompressGzipMember(blocks[i], output);
            members[i] = output.AsSpan(0, Math.Max(written, 0)).ToArray();
        });

        for (var i = 0; i < blocks.Length; i++)
        {
            Assert.That(Decompress(members[i]), Is.EqualTo(blocks[i]), $"block {i}");
        }
    }

    internal static byte[] TextLike(int length)
    {
        var random = new Random(length);
        string[] words = ["phase", "run", "EXECUTING", "builder", "tokens", "auditor", "approved", "commit", "verify", "worktree"];
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            text.Append(words[random.Next(words.Length)]).Append(random.Next(1000)).Append(' ');
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, length));
    }

    private static byte[] Decompress(byte[] member)
    {
        using var gzip = new GZipStream(new MemoryStream(member), CompressionMode.Decompress);
        using var back = new MemoryStream();
        gzip.CopyTo(back);
        return back.ToArray();
    }
}
