using System.Text.Json;
using Autopack.Llm.Providers;
using Microsoft.Extensions.AI;

namespace Autopack.Executor.Building;

/// <summary>
/// <c>attempt-N.transcript.jsonl</c>: one JSON line per event of a builder attempt (the prompt, each model turn with
/// its tool calls and usage, each tool result exactly as the model saw it, the end), flushed line by line so a
/// crash keeps everything up to the turn it interrupted. Written with <see cref="Utf8JsonWriter"/>: serialising
/// anonymous objects cost a cold executor 70 ms of reflection on its first phase (ADR-034).
/// </summary>
public sealed class TranscriptWriter : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly FileStream file;
    private readonly MemoryStream line = new();

    public TranscriptWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
    }

    public Task PromptAsync(string system, string user, IEnumerable<string> tools) => WriteAsync(json =>
    {
        json.WriteString("type", "prompt");
        json.WriteString("system", system);
        json.WriteString("user", user);
        json.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            json.WriteStringValue(tool);
        }

        json.WriteEndArray();
    });

    public Task TurnAsync(int turn, string model, string? text, IReadOnlyList<FunctionCallContent> calls, long promptTokens, long completionTokens) => WriteAsync(json =>
    {
        json.WriteString("type", "turn");
        json.WriteNumber("turn", turn);
        json.WriteString("model", model);
        json.WriteString("text", text);
        json.WriteStartArray("tool_calls");
        foreach (var call in calls)
        {
            json.WriteStartObject();
            json.WriteString("id", call.CallId);
            json.WriteString("name", call.Name);
            json.WritePropertyName("arguments");
            ToolArgumentsJson.Write(json, call.Arguments);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("completion_tokens", completionTokens);
        json.WriteEndObject();
    });

    public Task ToolResultAsync(int turn, string callId, string name, bool isError, string content) => WriteAsync(json =>
    {
        json.WriteString("type", "tool_result");
        json.WriteNumber("turn", turn);
        json.WriteString("call_id", callId);
        json.WriteString("name", name);
        json.WriteBoolean("is_error", isError);
        json.WriteString("content", content);
    });

    public Task EndAsync(string outcome, string? summary) => WriteAsync(json =>
    {
        json.WriteString("type", "end");
        json.WriteString("outcome", outcome);
        json.WriteString("summary", summary);
    });

    public async ValueTask DisposeAsync()
    {
        await file.DisposeAsync().ConfigureAwait(false);
        await line.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteAsync(Action<Utf8JsonWriter> write)
    {
        line.SetLength(0);
        using (var json = new Utf8JsonWriter(line))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        line.Write(NewLine);
        await file.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length)).ConfigureAwait(false);
        await file.FlushAsync().ConfigureAwait(false);
    }
}
