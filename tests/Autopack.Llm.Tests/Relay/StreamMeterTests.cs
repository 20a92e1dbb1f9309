using System.Text;
using Autopack.Llm.Relay;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Tests.Relay;

public sealed class StreamMeterTests
{
    [Test]
    public void ChatCompletions_UsageChunkTheAgentDidNotAskFor_ReadAndKeptFromIt()
    {
        var meter = StreamMeter.For(WireApi.ChatCompletions, PromptTokenCounter.O200k, keepUsageChunk: false);

        var relayed = Events(
            """{"model":"gpt-x","choices":[{"index":0,"delta":{"content":"Hello there"}}],"usage":null}""",
            """{"model":"gpt-x","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":7}}""",
            "[DONE]").Select(meter.Observe).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(relayed, Is.EqualTo(new[] { true, false, true }));
            Assert.That(meter.Reported, Is.EqualTo(new WireUsage(120, 7, "gpt-x")));
            Assert.That(meter.Completed, Is.True);
            Assert.That(meter.CountedCompletionTokens(), Is.EqualTo(PromptTokenCounter.O200k.Count("Hello there")));
        });
    }

    [Test]
    public void Messages_CumulativeUsage_TheLastMessageDeltaIsTheCalls()
    {
        var meter = StreamMeter.For(WireApi.Messages, PromptTokenCounter.O200k, keepUsageChunk: true);

        foreach (var sse in Events(
            """{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":90,"cache_read_input_tokens":30,"output_tokens":1}}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}""",
            """{"type":"message_delta","usage":{"output_tokens":5}}""",
            """{"type":"message_delta","usage":{"output_tokens":12}}"""))
        {
            meter.Observe(sse);
        }

        Assert.Multiple(() =>
        {
            Assert.That(meter.Reported, Is.EqualTo(new WireUsage(120, 12, "claude-x")), "input plus cache reads; the last output count");
            Assert.That(meter.Completed, Is.False, "no message_stop yet");
        });
    }

    [Test]
    public void Messages_CutBeforeMessageDelta_OnlyThePromptReported()
    {
        var meter = StreamMeter.For(WireApi.Messages, PromptTokenCounter.O200k, keepUsageChunk: true);

        foreach (var sse in Events(
            """{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":90,"output_tokens":1}}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"path\": \"a"}}"""))
        {
            meter.Observe(sse);
        }

        Assert.Multiple(() =>
        {
            Assert.That(meter.Reported, Is.Null);
            Assert.That(meter.ReportedPromptTokens, Is.EqualTo(90));
            Assert.That(meter.CountedCompletionTokens(), Is.GreaterThan(0));
        });
    }

    [Test]
    public void Observe_NotJson_MarkedUnreadable()
    {
        var meter = StreamMeter.For(WireApi.ChatCompletions, PromptTokenCounter.O200k, keepUsageChunk: true);

        Assert.Multiple(() =>
        {
            Assert.That(meter.Observe(Events("{not json").Single()), Is.True, "relayed anyway");
            Assert.That(meter.Unreadable, Is.True);
        });
    }

    private static IEnumerable<SseEvent> Events(params string[] data)
    {
        var reader = new SseEventReader();
        var events = new List<SseEvent>();
        reader.Append(Encoding.UTF8.GetBytes(string.Concat(data.Select(d => $"data: {d}\n\n"))), events);
        return events;
    }
}
