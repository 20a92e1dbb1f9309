using System.Text;
using Autopack.Llm.Relay;

namespace Autopack.Llm.Tests.Relay;

public sealed class SseEventReaderTests
{
    private const string Stream =
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\n" +
        ": a comment\n\n" +
        "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\r\ndata: \"more\":1}\r\n\r\n" +
        "data: [DONE]\n\n";

    [Test]
    public void Append_StreamSplitAtEveryPosition_YieldsTheSameWholeEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        var whole = Read(bytes, [bytes.Length]);

        Assert.That(whole.Select(e => (e.Name, e.Data)), Is.EqualTo(new (string?, string?)[]
        {
            ("message_start", "{\"type\":\"message_start\"}"),
            (null, null),
            ("content_block_delta", "{\"type\":\"content_block_delta\",\n\"more\":1}"),
            (null, "[DONE]"),
        }));
        for (var split = 1; split < bytes.Length; split++)
        {
            var events = Read(bytes, [split, bytes.Length - split]);
            Assert.That(events.Select(e => (e.Name, e.Data)), Is.EqualTo(whole.Select(e => (e.Name, e.Data))), $"split at {split}");
            Assert.That(events.SelectMany(e => e.Raw.ToArray()), Is.EqualTo(bytes), "relayed byte for byte");
        }

        var byByte = Read(bytes, Enumerable.Repeat(1, bytes.Length).ToArray());
        Assert.That(byByte.Select(e => e.Data), Is.EqualTo(whole.Select(e => e.Data)));
    }

    [Test]
    public void Append_EventLongerThanTheLimit_PassedOnUnreadAndTheNextOneRead()
    {
        var huge = "data: " + new string('x', SseEventReader.MaxEventBytes + 100) + "\n\n";
        var bytes = Encoding.UTF8.GetBytes(huge + "data: {\"after\":true}\n\n");

        var events = Read(bytes, Chunks(bytes.Length, 64 * 1024));

        Assert.Multiple(() =>
        {
            Assert.That(events.Sum(e => e.Raw.Length), Is.EqualTo(bytes.Length), "nothing dropped");
            Assert.That(events.Where(e => e.Data is not null).Select(e => e.Data), Is.EqualTo(new[] { "{\"after\":true}" }));
        });
    }

    [Test]
    public void Flush_StreamEndsWithoutABlankLine_LastEventStillRead()
    {
        var reader = new SseEventReader();
        var events = new List<SseEvent>();
        reader.Append(Encoding.UTF8.GetBytes("data: {\"a\":1}\n\ndata: {\"b\":2}\n"), events);

        var last = reader.Flush();

        Assert.Multiple(() =>
        {
            Assert.That(events.Single().Data, Is.EqualTo("{\"a\":1}"));
            Assert.That(last?.Data, Is.EqualTo("{\"b\":2}"));
            Assert.That(reader.Flush(), Is.Null);
        });
    }

    private static List<SseEvent> Read(byte[] bytes, int[] chunks)
    {
        var reader = new SseEventReader();
        var events = new List<SseEvent>();
        var at = 0;
        foreach (var size in chunks)
        {
            reader.Append(bytes.AsSpan(at, size), events);
            at += size;
        }

        if (reader.Flush() is { } last)
        {
            events.Add(last);
        }

        return events;
    }

    private static int[] Chunks(int total, int size) =>
        Enumerable.Range(0, (total + size - 1) / size).Select(i => Math.Min(size, total - (i * size))).ToArray();
}
