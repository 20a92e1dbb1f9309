using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Autopack.Executor.Building;

/// <summary>
/// <c>attempt-N.transcript.jsonl</c>: one JSON line per event of a builder attempt (the prompt, each model turn with
/// its tool calls and usage, each tool result exactly as the model saw it, the end), flushed line by line so a
/// crash keeps everything up to the turn it interrupted.
/// </summary>
public sealed class TranscriptWriter : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly StreamWriter writer;

    public TranscriptWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public Task PromptAsync(string system, string user, IEnumerable<string> tools) =>
        WriteAsync(new { type = "prompt", system, user, tools = tools.ToList() });

    public Task TurnAsync(int turn, string model, string? text, IReadOnlyList<FunctionCallContent> calls, long promptTokens, long completionTokens) =>
        WriteAsync(new
        {
            type = "turn",
            turn,
            model,
            text,
            tool_calls = calls.Select(c => new { id = c.CallId, name = c.Name, arguments = c.Arguments }).ToList(),
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens },
        });

    public Task ToolResultAsync(int turn, string callId, string name, bool isError, string content) =>
        WriteAsync(new { type = "tool_result", turn, call_id = callId, name, is_error = isError, content });

    public Task EndAsync(string outcome, string? summary) => WriteAsync(new { type = "end", outcome, summary });

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    private Task WriteAsync(object line) => writer.WriteLineAsync(JsonSerializer.Serialize(line, Options));
}
