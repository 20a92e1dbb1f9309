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
}
