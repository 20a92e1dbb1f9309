using System.Text.Json;

namespace Autopack.Llm.Tests.Support;

/// <summary>Reply bodies in the providers' wire formats, as the real APIs send them.</summary>
public static class WireFormats
{
    public static string OpenAiReply(string text, long promptTokens, long completionTokens, string model = "gpt-test-served") =>
        JsonSerializer.Serialize(new
        {
            id = "chatcmpl-test",
            @object = "chat.completion",
            model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        });

    public static string AnthropicReply(string text, long inputTokens, long outputTokens, string model = "claude-test-served") =>
        JsonSerializer.Serialize(new
        {
            id = "msg_test",
            type = "message",
            role = "assistant",
            model,
            content = new object[] { new { type = "text", text } },
            stop_reason = "end_turn",
            usage = new { input_tokens = inputTokens, output_tokens = outputTokens },
        });

    /// <summary>A chat-completions reply whose assistant message asks for one tool call (arguments as a JSON string).</summary>
    public static string OpenAiToolCallReply(string callId, string name, string argumentsJson, long promptTokens, long completionTokens, string model = "gpt-test-served") =>
        JsonSerializer.Serialize(new
        {
            id = "chatcmpl-tools",
            @object = "chat.completion",
            model,
            choices = new[]
            {
                new
                {
                    index = 0,
                    message = new
                    {
                        role = "assistant",
                        content = (string?)null,
                        tool_calls = new[] { new { id = callId, type = "function", function = new { name, arguments = argumentsJson } } },
                    },
                    finish_reason = "tool_calls",
                },
            },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        });

    /// <summary>A Messages reply with one <c>tool_use</c> block, and cache tokens in its usage.</summary>
    public static string AnthropicToolUseReply(
        string id, string name, string inputJson, long inputTokens, long outputTokens, long cacheCreation = 0, long cacheRead = 0, string model = "claude-test-served") =>
        JsonSerializer.Serialize(new
        {
            id = "msg_tools",
            type = "message",
            role = "assistant",
            model,
            content = new object[] { new { type = "tool_use", id, name, input = JsonDocument.Parse(inputJson).RootElement } },
            stop_reason = "tool_use",
            usage = new { input_tokens = inputTokens, output_tokens = outputTokens, cache_creation_input_tokens = cacheCreation, cache_read_input_tokens = cacheRead },
        });
}
