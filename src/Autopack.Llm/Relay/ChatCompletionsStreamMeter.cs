using System.Text.Json;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Relay;

/// <summary>
/// Meters an OpenAI chat-completions stream (<c>data: {chunk}</c> ... <c>data: [DONE]</c>): content, refusal,
/// reasoning and tool-call deltas are counted; the usage comes in the last chunk (<c>choices: []</c>), which the
/// relay asks for with <c>stream_options.include_usage</c> and keeps from an agent that did not ask for it.
/// </summary>
public sealed class ChatCompletionsStreamMeter(PromptTokenCounter counter, bool keepUsageChunk) : StreamMeter(counter)
{
    protected override bool IsEndMarker(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Trim() == "[DONE]")
        {
            Completed = true;
            return true;
        }

        return false;
    }

    protected override bool Observe(string? name, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        if (data.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            Failed = true;
            return true;
        }

        Model ??= Text(data, "model");
        var choices = data.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array ? c : default;
        if (choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    SeenDelta(delta);
                }
            }
        }

        if (data.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            && Count(usage, "prompt_tokens") is { } prompt && Count(usage, "completion_tokens") is { } completion)
        {
            Reported = new WireUsage(prompt, completion, Model);
            var usageOnly = choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0;
            return keepUsageChunk || !usageOnly;
        }

        return true;
    }

    private void SeenDelta(JsonElement delta)
    {
        Seen(Text(delta, "content"));
        Seen(Text(delta, "refusal"));
        Seen(Text(delta, "reasoning_content"));
        Seen(Text(delta, "reasoning"));
        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                Seen(Text(call, "id"));
                if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function))
                {
                    Seen(Text(function, "name"));
                    Seen(Text(function, "arguments"));
                }
            }
        }
    }
}
