using System.Text.Json;
using Autopack.Executor.Building;
using Autopack.Testing;
using Microsoft.Extensions.AI;

namespace Autopack.Executor.Tests.Building;

public sealed class TranscriptWriterTests
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Test]
    public async Task Lines_EveryEvent_AreTheJsonTheSerializerWritesForTheSameFields()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "attempt-1.transcript.jsonl");
        var arguments = new Dictionary<string, object?>
        {
            ["path"] = "src/<app>.txt",
            ["content"] = JsonDocument.Parse("""{"a":[1,2,"é"]}""").RootElement,
            ["count"] = 3,
            ["none"] = null,
        };
        var call = new FunctionCallContent("call-1", "write_file", arguments);

        await using (var transcript = new TranscriptWriter(path))
        {
            await transcript.PromptAsync("You build & test.", "Fix \"it\" — now", ["read_file", "finish"]);
            await transcript.TurnAsync(1, "m-1", null, [call], 120, 7);
            await transcript.ToolResultAsync(1, "call-1", "write_file", true, "ERROR: <refused>");
            await transcript.EndAsync("finished", "done\nwell");
        }

        string[] expected =
        [
            JsonSerializer.Serialize(new { type = "prompt", system = "You build & test.", user = "Fix \"it\" — now", tools = new[] { "read_file", "finish" } }, SnakeCase),
            JsonSerializer.Serialize(new
            {
                type = "turn",
                turn = 1,
                model = "m-1",
                text = (string?)null,
                tool_calls = new[] { new { id = "call-1", name = "write_file", arguments = (IDictionary<string, object?>)arguments } },
                usage = new { prompt_tokens = 120L, completion_tokens = 7L },
            }, SnakeCase),
            JsonSerializer.Serialize(new { type = "tool_result", turn = 1, call_id = "call-1", name = "write_file", is_error = true, content = "ERROR: <refused>" }, SnakeCase),
            JsonSerializer.Serialize(new { type = "end", outcome = "finished", summary = "done\nwell" }, SnakeCase),
        ];
        Assert.That(await File.ReadAllLinesAsync(path), Is.EqualTo(expected));
    }
}
