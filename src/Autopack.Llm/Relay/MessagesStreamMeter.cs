using System.Text.Json;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Relay;

/// <summary>
/// Meters an Anthropic Messages stream: <c>message_start</c> reports the input (plus cache writes and reads) and the
/// model, <c>content_block_start</c>/<c>content_block_delta</c> carry text, tool_use names and input JSON, and
/// thinking (counted), <c>message_delta</c> reports the output so far (cumulative; its last one is the call's), and
/// <c>message_stop</c> ends it. Nothing is kept from the agent.
/// </summary>
public sealed class MessagesStreamMeter(PromptTokenCounter counter) : StreamMeter(counter)
{
    private long? completion;

    protected override bool Observe(string? name, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        switch (Text(data, "type") ?? name)
        {
            case "message_start" when data.TryGetProperty("message", out var message):
                Model ??= Text(message, "model");
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("usage", out var startUsage))
                {
                    ReadUsage(startUsage, isFinal: false);
                }

                break;
            case "content_block_start" when data.TryGetProperty("content_block", out var block):
                Seen(Text(block, "text"));
                Seen(Text(block, "name"));
                Seen(Text(block, "thinking"));
                break;
            case "content_block_delta" when data.TryGetProperty("delta", out var delta):
                Seen(Text(delta, "text"));
                Seen(Text(delta, "partial_json"));
                Seen(Text(delta, "thinking"));
                break;
            case "message_delta" when data.TryGetProperty("usage", out var usage):
                ReadUsage(usage, isFinal: true);
                break;
            case "message_stop":
                Completed = true;
                break;
            case "error":
                Failed = true;
                break;
        }

        return true;
    }

    private void ReadUsage(JsonElement usage, bool isFinal)
    {
        if (MessagesWire.PromptTokensOf(usage) is { } prompt)
        {
            // message_delta may repeat the input counts (cumulative); the larger is the call's.
            ReportedPromptTokens = Math.Max(prompt, ReportedPromptTokens ?? 0);
        }

        if (isFinal && Count(usage, "output_tokens") is { } output)
        {
            completion = output;
        }

        if (ReportedPromptTokens is { } reportedPrompt && completion is { } reportedCompletion)
        {
            Reported = new WireUsage(reportedPrompt, reportedCompletion, Model);
        }
    }
}
