using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm.Providers;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Relay;

/// <summary>
/// OpenAI chat completions as the metered endpoint relays it: an agent's request read into a
/// <see cref="RelayRequest"/> (messages with text, image parts, <c>tool_calls</c> and <c>tool</c> results; <c>tools</c>
/// and legacy <c>functions</c>; <c>max_tokens</c> / <c>max_completion_tokens</c>; <c>stream</c>), the usage of a reply,
/// its text for an estimate, and error bodies in OpenAI's format (<c>{"error":{"message","type","param","code"}}</c>).
/// </summary>
public static class ChatCompletionsWire
{
    /// <summary>Reads an agent's request body.</summary>
    /// <exception cref="WireRequestException">the body is not a chat-completions request the endpoint serves.</exception>
    public static RelayRequest ParseRequest(ReadOnlySpan<byte> utf8Body)
    {
        var body = WireJson.ParseObject(utf8Body);
        var messagesNode = WireJson.OptionalArray(body, "messages", "messages") ?? throw new WireRequestException("messages", "is required");
        if (messagesNode.Count == 0)
        {
            throw new WireRequestException("messages", "must have at least one message");
        }

        if (body["n"] is { } n && (n.GetValueKind() != JsonValueKind.Number || n.GetValue<double>() != 1))
        {
            throw new WireRequestException("n", "must be 1: Autopack's metered endpoint serves one choice per request");
        }

        _ = WireJson.OptionalString(body, "model", "model");
        var stream = WireJson.OptionalBool(body, "stream", "stream");
        var maxTokens = WireJson.OptionalPositiveInt(body, "max_tokens", "max_tokens");
        var maxCompletionTokens = WireJson.OptionalPositiveInt(body, "max_completion_tokens", "max_completion_tokens");
        int? requested = (maxTokens, maxCompletionTokens) switch
        {
            ({ } a, { } b) => Math.Min(a, b),
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };

        var askedUsage = false;
        if (body["stream_options"] is { } options)
        {
            if (options is not JsonObject streamOptions)
            {
                throw new WireRequestException("stream_options", "must be an object");
            }

            askedUsage = WireJson.OptionalBool(streamOptions, "include_usage", "stream_options.include_usage");
        }

        var attachments = 0;
        var messages = new List<ChatMessage>(messagesNode.Count);
        for (var i = 0; i < messagesNode.Count; i++)
        {
            messages.Add(Message(WireJson.ObjectAt(messagesNode, i, "messages"), $"messages[{i}]", ref attachments));
        }

        var tools = new List<LlmTool>();
        if (WireJson.OptionalArray(body, "tools", "tools") is { } toolsNode)
        {
            for (var i = 0; i < toolsNode.Count; i++)
            {
                tools.Add(Tool(WireJson.ObjectAt(toolsNode, i, "tools"), $"tools[{i}]"));
            }
        }

        if (WireJson.OptionalArray(body, "functions", "functions") is { } functions)
        {
            for (var i = 0; i < functions.Count; i++)
            {
                tools.Add(Function(WireJson.ObjectAt(functions, i, "functions"), $"functions[{i}]"));
            }
        }

        var extra = body["response_format"] is JsonObject format ? format.ToJsonString() : "";
        return new RelayRequest(WireApi.ChatCompletions, body, stream, requested, messages, tools, attachments, extra, askedUsage, Grant);
    }

    /// <summary>The usage a (non-streamed) reply reports, or null when it has none that can be read.</summary>
    public static WireUsage? UsageOf(JsonElement reply)
    {
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return WireJson.NonNegative(usage, "prompt_tokens") is { } prompt && WireJson.NonNegative(usage, "completion_tokens") is { } completion
            ? new WireUsage(prompt, completion, ModelOf(reply))
            : null;
    }

    /// <summary>The model a reply names, if any.</summary>
    public static string? ModelOf(JsonElement reply) => WireJson.ModelOf(reply);

    /// <summary>Everything a reply's choices say (text, refusal, reasoning, tool names and arguments), for an estimate.</summary>
    public static string OutputTextOf(JsonElement reply)
    {
        var text = new StringBuilder();
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var name in (string[])["content", "refusal", "reasoning_content", "reasoning"])
            {
                if (message.TryGetProperty(name, out var part) && part.ValueKind == JsonValueKind.String)
                {
                    text.Append(part.GetString()).Append('\n');
                }
            }

            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                    {
                        text.Append(function.TryGetProperty("name", out var name) ? name.ToString() : "").Append('\n');
                        text.Append(function.TryGetProperty("arguments", out var arguments) ? arguments.ToString() : "").Append('\n');
                    }
                }
            }
        }

        return text.ToString();
    }

    /// <summary>An error body in OpenAI's format: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static byte[] Error(string type, string? code, string message, string? param = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            WriteStringOrNull(json, "param", param);
            WriteStringOrNull(json, "code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void Grant(JsonObject body, string model, int maxOutputTokens)
    {
        body["model"] = model;
        var hadMaxTokens = body["max_tokens"] is not null;
        if (hadMaxTokens)
        {
            body["max_tokens"] = maxOutputTokens;
        }

        // The field the built-in provider's SDK sends; reasoning models refuse max_tokens.
        if (body["max_completion_tokens"] is not null || !hadMaxTokens)
        {
            body["max_completion_tokens"] = maxOutputTokens;
        }

        if (body["stream"]?.GetValueKind() == JsonValueKind.True)
        {
            if (body["stream_options"] is not JsonObject options)
            {
                options = [];
                body["stream_options"] = options;
            }

            options["include_usage"] = true;
        }
    }

    private static ChatMessage Message(JsonObject message, string field, ref int attachments)
    {
        var role = WireJson.RequiredString(message, "role", $"{field}.role");
        var chatRole = role switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" or "function" => ChatRole.Tool,
            _ => throw new WireRequestException($"{field}.role", "must be one of system, developer, user, assistant, tool"),
        };

        var contents = new List<AIContent>();
        if (chatRole == ChatRole.Tool)
        {
            var callId = role == "tool"
                ? WireJson.OptionalString(message, "tool_call_id", $"{field}.tool_call_id")
                : WireJson.OptionalString(message, "name", $"{field}.name");
            var result = new List<AIContent>();
            Content(message["content"], $"{field}.content", result, ref attachments);
            contents.Add(new FunctionResultContent(callId ?? "", string.Concat(result.OfType<TextContent>().Select(t => t.Text))));
            contents.AddRange(result.Where(c => c is not TextContent));
            return new ChatMessage(chatRole, contents);
        }

        Content(message["content"], $"{field}.content", contents, ref attachments);
        if (message["refusal"] is JsonValue refusal && refusal.GetValueKind() == JsonValueKind.String)
        {
            contents.Add(new TextContent(refusal.GetValue<string>()));
        }

        if (WireJson.OptionalArray(message, "tool_calls", $"{field}.tool_calls") is { } calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                var call = WireJson.ObjectAt(calls, i, $"{field}.tool_calls");
                var function = call["function"] as JsonObject ?? throw new WireRequestException($"{field}.tool_calls[{i}].function", "is required");
                contents.AddRange(Call(
                    WireJson.OptionalString(call, "id", $"{field}.tool_calls[{i}].id") ?? "",
                    WireJson.OptionalString(function, "name", $"{field}.tool_calls[{i}].function.name") ?? "",
                    WireJson.OptionalString(function, "arguments", $"{field}.tool_calls[{i}].function.arguments")));
            }
        }

        if (message["function_call"] is JsonObject legacy)
        {
            contents.AddRange(Call(
                "",
                WireJson.OptionalString(legacy, "name", $"{field}.function_call.name") ?? "",
                WireJson.OptionalString(legacy, "arguments", $"{field}.function_call.arguments")));
        }

        return new ChatMessage(chatRole, contents);
    }

    /// <summary>A tool call, counted as the built-in builder's are; arguments that are not a JSON object are counted as text.</summary>
    private static IEnumerable<AIContent> Call(string id, string name, string? arguments)
    {
        var parsed = WireJson.ArgumentsFromText(arguments);
        yield return new FunctionCallContent(id, name, parsed);
        if (parsed is null)
        {
            yield return new TextContent(arguments);
        }
    }

    private static void Content(JsonNode? content, string field, List<AIContent> into, ref int attachments)
    {
        switch (content)
        {
            case null:
                return;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                into.Add(new TextContent(value.GetValue<string>()));
                return;
            case JsonArray parts:
                for (var i = 0; i < parts.Count; i++)
                {
                    var part = WireJson.ObjectAt(parts, i, field);
                    switch (WireJson.OptionalString(part, "type", $"{field}[{i}].type"))
                    {
                        case "text":
                            into.Add(new TextContent(WireJson.OptionalString(part, "text", $"{field}[{i}].text") ?? ""));
                            break;
                        case "refusal":
                            into.Add(new TextContent(WireJson.OptionalString(part, "refusal", $"{field}[{i}].refusal") ?? ""));
                            break;
                        case "image_url" or "input_audio" or "file":
                            attachments++;
                            break;
                        default:
                            into.Add(new TextContent(part.ToJsonString()));
                            break;
                    }
                }

                return;
            default:
                throw new WireRequestException(field, "must be a string or an array of content parts");
        }
    }

    private static LlmTool Tool(JsonObject tool, string field)
    {
        if (tool["function"] is JsonObject function)
        {
            return Function(function, $"{field}.function");
        }

        // A custom tool (or one this endpoint does not know): its definition counted as it is.
        var custom = tool["custom"] as JsonObject ?? tool;
        return new LlmTool(
            WireJson.OptionalString(custom, "name", $"{field}.name") ?? WireJson.OptionalString(tool, "type", $"{field}.type") ?? "",
            custom["description"]?.ToJsonString() ?? "",
            WireJson.Element(custom["format"] ?? custom));
    }

    private static LlmTool Function(JsonObject function, string field) =>
        new(
            WireJson.RequiredString(function, "name", $"{field}.name"),
            WireJson.OptionalString(function, "description", $"{field}.description") ?? "",
            WireJson.Element(function["parameters"]));
}
