using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm.Providers;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Relay;

/// <summary>
/// Anthropic Messages as the metered endpoint relays it: an agent's request read into a <see cref="RelayRequest"/>
/// (<c>system</c>, messages with text, image and document blocks, <c>tool_use</c> and <c>tool_result</c> blocks,
/// thinking; <c>tools</c>; the required <c>max_tokens</c>; <c>stream</c>), the usage of a reply (input plus cache writes
/// and reads as prompt, as the built-in provider charges it), its text for an estimate, and error bodies in
/// Anthropic's format (<c>{"type":"error","error":{"type","message"}}</c>).
/// </summary>
public static class MessagesWire
{
    /// <summary>The smallest thinking budget Anthropic accepts.</summary>
    public const int MinThinkingBudget = 1_024;

    /// <summary>Reads an agent's request body.</summary>
    /// <exception cref="WireRequestException">the body is not a Messages request the endpoint serves.</exception>
    public static RelayRequest ParseRequest(ReadOnlySpan<byte> utf8Body) => Parse(utf8Body, requireMaxTokens: true);

    /// <summary>Reads a <c>count_tokens</c> body (a Messages request without <c>max_tokens</c>) and returns it to send on.</summary>
    /// <exception cref="WireRequestException">the body is not such a request.</exception>
    public static byte[] CountTokensForUpstream(ReadOnlySpan<byte> utf8Body, string model)
    {
        var request = Parse(utf8Body, requireMaxTokens: false);
        return request.ForUpstream(model, 1);
    }

    /// <summary>Prompt tokens of a usage object: <c>input_tokens</c> plus cache writes and reads; null without <c>input_tokens</c>.</summary>
    public static long? PromptTokensOf(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object || WireJson.NonNegative(usage, "input_tokens") is not { } input)
        {
            return null;
        }

        return input + (WireJson.NonNegative(usage, "cache_creation_input_tokens") ?? 0) + (WireJson.NonNegative(usage, "cache_read_input_tokens") ?? 0);
    }

    /// <summary>The usage a (non-streamed) reply reports, or null when it has none that can be read.</summary>
    public static WireUsage? UsageOf(JsonElement reply)
    {
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty("usage", out var usage))
        {
            return null;
        }

        return PromptTokensOf(usage) is { } prompt && WireJson.NonNegative(usage, "output_tokens") is { } output
            ? new WireUsage(prompt, output, ModelOf(reply))
            : null;
    }

    /// <summary>The model a reply names, if any.</summary>
    public static string? ModelOf(JsonElement reply) => WireJson.ModelOf(reply);

    /// <summary>Everything a reply's content blocks say (text, tool names and input, thinking), for an estimate.</summary>
    public static string OutputTextOf(JsonElement reply)
    {
        var text = new StringBuilder();
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var name in (string[])["text", "thinking", "name"])
            {
                if (block.TryGetProperty(name, out var part) && part.ValueKind == JsonValueKind.String)
                {
                    text.Append(part.GetString()).Append('\n');
                }
            }

            if (block.TryGetProperty("input", out var input))
            {
                text.Append(input.GetRawText()).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>An error body in Anthropic's format: <c>{"type":"error","error":{"type","message"}}</c>.</summary>
    public static byte[] Error(string type, string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteStartObject("error");
            json.WriteString("type", type);
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static RelayRequest Parse(ReadOnlySpan<byte> utf8Body, bool requireMaxTokens)
    {
        var body = WireJson.ParseObject(utf8Body);
        _ = WireJson.OptionalString(body, "model", "model");
        var maxTokens = WireJson.OptionalPositiveInt(body, "max_tokens", "max_tokens");
        if (requireMaxTokens && maxTokens is null)
        {
            throw new WireRequestException("max_tokens", "is required");
        }

        var messagesNode = WireJson.OptionalArray(body, "messages", "messages") ?? throw new WireRequestException("messages", "is required");
        if (messagesNode.Count == 0)
        {
            throw new WireRequestException("messages", "must have at least one message");
        }

        var stream = WireJson.OptionalBool(body, "stream", "stream");
        var attachments = 0;
        var messages = new List<ChatMessage>(messagesNode.Count + 1);
        if (body["system"] is { } system)
        {
            var contents = new List<AIContent>();
            Blocks(system, "system", contents, ref attachments);
            messages.Add(new ChatMessage(ChatRole.System, contents));
        }

        for (var i = 0; i < messagesNode.Count; i++)
        {
            var message = WireJson.ObjectAt(messagesNode, i, "messages");
            var role = WireJson.RequiredString(message, "role", $"messages[{i}].role") switch
            {
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                _ => throw new WireRequestException($"messages[{i}].role", "must be user or assistant"),
            };
            var contents = new List<AIContent>();
            Blocks(message["content"] ?? throw new WireRequestException($"messages[{i}].content", "is required"), $"messages[{i}].content", contents, ref attachments);
            messages.Add(new ChatMessage(role, contents));
        }

        var tools = new List<LlmTool>();
        if (WireJson.OptionalArray(body, "tools", "tools") is { } toolsNode)
        {
            for (var i = 0; i < toolsNode.Count; i++)
            {
                var tool = WireJson.ObjectAt(toolsNode, i, "tools");
                tools.Add(new LlmTool(
                    WireJson.OptionalString(tool, "name", $"tools[{i}].name") ?? WireJson.OptionalString(tool, "type", $"tools[{i}].type") ?? "",
                    WireJson.OptionalString(tool, "description", $"tools[{i}].description") ?? "",
                    WireJson.Element(tool["input_schema"] ?? tool)));
            }
        }

        if (body["thinking"] is { } thinking && thinking is not JsonObject)
        {
            throw new WireRequestException("thinking", "must be an object");
        }

        return new RelayRequest(WireApi.Messages, body, stream, maxTokens, messages, tools, attachments, "", agentAskedStreamUsage: true, Grant);
    }

    private static void Grant(JsonObject body, string model, int maxOutputTokens)
    {
        body["model"] = model;
        if (body["max_tokens"] is null)
        {
            // count_tokens: nothing to grant.
            return;
        }

        body["max_tokens"] = maxOutputTokens;

        // Anthropic requires budget_tokens < max_tokens (and at least 1,024): a budget shrunk below it shrinks the
        // thinking budget too, and thinking is left out when not even its minimum fits.
        if (body["thinking"] is JsonObject thinking && thinking["budget_tokens"] is JsonValue budgetNode
            && budgetNode.TryGetValue<long>(out var budget) && budget >= maxOutputTokens)
        {
            if (maxOutputTokens - 1 >= MinThinkingBudget)
            {
                thinking["budget_tokens"] = maxOutputTokens - 1;
            }
            else
            {
                body.Remove("thinking");
            }
        }
    }

    private static void Blocks(JsonNode content, string field, List<AIContent> into, ref int attachments)
    {
        switch (content)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                into.Add(new TextContent(value.GetValue<string>()));
                return;
            case JsonArray blocks:
                for (var i = 0; i < blocks.Count; i++)
                {
                    Block(WireJson.ObjectAt(blocks, i, field), $"{field}[{i}]", into, ref attachments);
                }

                return;
            default:
                throw new WireRequestException(field, "must be a string or an array of content blocks");
        }
    }

    private static void Block(JsonObject block, string field, List<AIContent> into, ref int attachments)
    {
        switch (WireJson.RequiredString(block, "type", $"{field}.type"))
        {
            case "text":
                into.Add(new TextContent(WireJson.OptionalString(block, "text", $"{field}.text") ?? ""));
                break;
            case "thinking":
                into.Add(new TextContent(WireJson.OptionalString(block, "thinking", $"{field}.thinking") ?? ""));
                break;
            case "redacted_thinking":
                break;
            case "image":
                attachments++;
                break;
            case "document" when block["source"] is JsonObject { } source && source["type"]?.GetValueKind() == JsonValueKind.String
                                 && source["type"]!.GetValue<string>() == "text":
                into.Add(new TextContent(source["data"]?.ToString() ?? ""));
                break;
            case "document":
                attachments++;
                break;
            case "tool_use":
                into.Add(new FunctionCallContent(
                    WireJson.OptionalString(block, "id", $"{field}.id") ?? "",
                    WireJson.OptionalString(block, "name", $"{field}.name") ?? "",
                    WireJson.Arguments(block["input"])));
                break;
            case "tool_result":
                var result = new List<AIContent>();
                if (block["content"] is { } resultContent)
                {
                    Blocks(resultContent, $"{field}.content", result, ref attachments);
                }

                into.Add(new FunctionResultContent(
                    WireJson.OptionalString(block, "tool_use_id", $"{field}.tool_use_id") ?? "",
                    string.Concat(result.OfType<TextContent>().Select(t => t.Text))));
                break;
            default:
                // Server tool blocks, search results and blocks this endpoint does not know: counted as their JSON.
                into.Add(new TextContent(block.ToJsonString()));
                break;
        }
    }
}
