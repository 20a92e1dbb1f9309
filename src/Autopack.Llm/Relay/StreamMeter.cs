using System.Text;
using System.Text.Json;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Relay;

/// <summary>
/// Reads a relayed stream's events for what the call cost: the usage the provider reported in the stream, and
/// what was streamed (text, tool names and arguments, reasoning) counted as the provider's model counts, for the
/// estimate a stream without usage, or cut short, is settled to (ADR-037). Not thread-safe: one per stream.
/// </summary>
public abstract class StreamMeter(PromptTokenCounter counter)
{
    private const int CountEveryChars = 32 * 1024;

    private readonly StringBuilder unCounted = new();
    private long counted;

    /// <summary>The usage the stream reported, once it reported both prompt and completion; null until then.</summary>
    public WireUsage? Reported { get; protected set; }

    /// <summary>Prompt tokens the stream reported before its end (Anthropic's <c>message_start</c>), if any.</summary>
    public long? ReportedPromptTokens { get; protected set; }

    /// <summary>The model the stream names.</summary>
    public string? Model { get; protected set; }

    /// <summary>The stream's own end marker came (<c>[DONE]</c>, <c>message_stop</c>).</summary>
    public bool Completed { get; protected set; }

    /// <summary>The provider sent an error event in the stream.</summary>
    public bool Failed { get; protected set; }

    /// <summary>Some event could not be read (not JSON, too large): the usage may have been in it.</summary>
    public bool Unreadable { get; private set; }

    /// <summary>
    /// A meter for a stream of <paramref name="api"/>, counting with <paramref name="counter"/>; for chat completions,
    /// <paramref name="keepUsageChunk"/> relays the usage-only chunk (the agent asked for it itself).
    /// </summary>
    public static StreamMeter For(WireApi api, PromptTokenCounter counter, bool keepUsageChunk) => api switch
    {
        WireApi.ChatCompletions => new ChatCompletionsStreamMeter(counter, keepUsageChunk),
        _ => new MessagesStreamMeter(counter),
    };

    /// <summary>Reads one event; false when it is to be kept from the agent (a chunk Autopack asked for, not the agent).</summary>
    public bool Observe(SseEvent sse)
    {
        if (sse.Data is null)
        {
            Unreadable |= sse.Raw.Length > 0 && !IsBlankOrComment(sse.Raw.Span);
            return true;
        }

        if (sse.Data.Length == 0)
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(sse.Data);
            return Observe(sse.Name, document.RootElement);
        }
        catch (JsonException)
        {
            if (!IsEndMarker(sse.Data))
            {
                Unreadable = true;
            }

            return true;
        }
    }

    /// <summary>Completion tokens of everything streamed so far, as the provider's model counts.</summary>
    public long CountedCompletionTokens()
    {
        Count();
        return counted;
    }

    /// <summary>Reads one event's JSON data.</summary>
    protected abstract bool Observe(string? name, JsonElement data);

    /// <summary>A data line that is not JSON but the stream's end (<c>[DONE]</c>).</summary>
    protected virtual bool IsEndMarker(string data) => false;

    /// <summary>Adds streamed output to what an estimate counts.</summary>
    protected void Seen(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        unCounted.Append(text);
        if (unCounted.Length >= CountEveryChars)
        {
            Count();
        }
    }

    /// <summary>A string property, or null.</summary>
    protected static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A non-negative integer property, or null.</summary>
    protected static long? Count(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;

    private void Count()
    {
        if (unCounted.Length == 0)
        {
            return;
        }

        counted += counter.Count(unCounted.ToString());
        unCounted.Clear();
    }

    private static bool IsBlankOrComment(ReadOnlySpan<byte> raw)
    {
        foreach (var line in Encoding.UTF8.GetString(raw).Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.Length > 0 && !text.StartsWith(':'))
            {
                return false;
            }
        }

        return true;
    }
}
