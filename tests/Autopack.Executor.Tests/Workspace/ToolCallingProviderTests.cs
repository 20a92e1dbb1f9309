using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm;
using Autopack.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autopack.Executor.Tests.Workspace;

/// <summary>
/// The builder's agent loop against real HTTP servers on loopback that speak each wire format with tool calls:
/// the model writes a file through write_file, then finishes; the auditor approves. Usage rows must be exactly
/// what the server reported, one per turn.
/// </summary>
public class ToolCallingProviderTests
{
    [TestCase("openai")]
    [TestCase("anthropic")]
    public async Task Execute_ProviderAsksForTools_FileCommittedAndUsageRowsAreTheReportedOnes(string provider)
    {
        using var s = new ExecutorScenario();
        await using var server = await ToolCallingServer.StartAsync();
        var settings = s.Settings() with
        {
            Llm = new LlmSettings
            {
                OpenAiBaseUrl = $"{server.BaseUrl}/v1",
                OpenAiApiKey = "test-openai-key",
                AnthropicBaseUrl = server.BaseUrl,
                AnthropicApiKey = "test-anthropic-key",
            },
        };
        var runId = await s.Db.CreateRunAsync(new PlanBuilder($"wire-{provider}").Phase($"wire-{provider}-a", provider: provider, verify: "test \"$(cat hello.txt)\" = hi").Build());

        var outcome = await s.ExecuteInProcessAsync(runId, settings: settings);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var worktree = Path.Combine(s.RunsDirectory, runId, "workspace");
        var rows = Rows(s, runId);
        Assert.Multiple(() =>
        {
            Assert.That(GitRepository.Run(worktree, "show", "--name-only", "--format=", "HEAD").Trim(), Is.EqualTo("hello.txt"), "the tool call's file is the phase's commit");
            Assert.That(rows, Is.EqualTo(new[] { "builder 101 11", "builder 102 12", "auditor 103 13" }), "one row per turn, the server's own figures");
            Assert.That(server.Requests, Has.Count.EqualTo(3));
        });

        var first = server.Requests[0];
        var second = server.Requests[1];
        if (provider == "openai")
        {
            Assert.Multiple(() =>
            {
                Assert.That(first["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()),
                    Is.EquivalentTo(new[] { "list_files", "read_file", "search", "write_file", "replace_in_file", "run_command", "finish" }));
                var messages = second["messages"]!.AsArray();
                Assert.That(messages.Any(m => m!["role"]!.GetValue<string>() == "assistant" && m["tool_calls"]?[0]?["id"]?.GetValue<string>() == "call_1"), Is.True);
                Assert.That(messages.Any(m => m!["role"]!.GetValue<string>() == "tool" && m["tool_call_id"]?.GetValue<string>() == "call_1"), Is.True, "the tool result goes back as a tool message");
            });
        }
        else
        {
            Assert.Multiple(() =>
            {
                Assert.That(first["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()), Has.Member("write_file").And.Member("finish"));
                var blocks = second["messages"]!.AsArray().SelectMany(m => m!["content"] is JsonArray a ? a : []).ToList();
                Assert.That(blocks.Any(b => b!["type"]!.GetValue<string>() == "tool_use" && b["id"]!.GetValue<string>() == "toolu_1"), Is.True);
                Assert.That(blocks.Any(b => b!["type"]!.GetValue<string>() == "tool_result" && b["tool_use_id"]!.GetValue<string>() == "toolu_1"), Is.True, "the tool result goes back as a tool_result block");
            });
        }
    }

    private static List<string> Rows(ExecutorScenario s, string runId)
    {
        using var connection = s.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT role, prompt_tokens, completion_tokens FROM llm_usage_events WHERE run_id = '{runId}' ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetInt64(1)} {reader.GetInt64(2)}");
        }

        return rows;
    }

    /// <summary>
    /// One loopback server for both formats: /v1/chat/completions (OpenAI) and /v1/messages (Anthropic). A request
    /// with tools is a builder turn: the first asks for write_file, the next for finish; one without tools is the
    /// auditor's and approves. Usage is 101/11, 102/12, 103/13 ... in request order.
    /// </summary>
    private sealed class ToolCallingServer : IAsyncDisposable
    {
        private readonly ConcurrentQueue<JsonNode> requests = new();
        private LoopbackServer? server;
        private int calls;
        private int builderTurns;

        public string BaseUrl => server!.BaseUrl;

        public IReadOnlyList<JsonNode> Requests => requests.ToList();

        public static async Task<ToolCallingServer> StartAsync()
        {
            var tools = new ToolCallingServer();
            tools.server = await LoopbackServer.StartAsync(app =>
            {
                app.MapPost("/v1/chat/completions", tools.OpenAiAsync);
                app.MapPost("/v1/messages", tools.AnthropicAsync);
            });
            return tools;
        }

        public ValueTask DisposeAsync() => server?.DisposeAsync() ?? ValueTask.CompletedTask;

        private async Task<(JsonNode Body, int Call, int? Turn)> ReadAsync(HttpContext context)
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!;
            requests.Enqueue(body);
            var call = Interlocked.Increment(ref calls);
            int? turn = body["tools"] is JsonArray { Count: > 0 } ? Interlocked.Increment(ref builderTurns) : null;
            return (body, call, turn);
        }

        private async Task OpenAiAsync(HttpContext context)
        {
            var (_, call, turn) = await ReadAsync(context);
            object message = turn switch
            {
                1 => new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "write_file", arguments = """{"path":"hello.txt","content":"hi\n"}""" } } } },
                not null => new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = "call_2", type = "function", function = new { name = "finish", arguments = """{"summary":"wrote hello.txt"}""" } } } },
                null => new { role = "assistant", content = (string?)"APPROVED. hello.txt is there." },
            };
            await context.Response.WriteAsJsonAsync(new
            {
                id = $"chatcmpl-{call}",
                @object = "chat.completion",
                created = 1,
                model = "gpt-test",
                choices = new[] { new { index = 0, message, finish_reason = turn is null ? "stop" : "tool_calls" } },
                usage = new { prompt_tokens = 100 + call, completion_tokens = 10 + call, total_tokens = 110 + (2 * call) },
            });
        }

        private async Task AnthropicAsync(HttpContext context)
        {
            var (_, call, turn) = await ReadAsync(context);
            object[] content = turn switch
            {
                1 => [new { type = "tool_use", id = "toolu_1", name = "write_file", input = new { path = "hello.txt", content = "hi\n" } }],
                not null => [new { type = "tool_use", id = "toolu_2", name = "finish", input = new { summary = "wrote hello.txt" } }],
                null => [new { type = "text", text = "APPROVED. hello.txt is there." }],
            };
            await context.Response.WriteAsJsonAsync(new
            {
                id = $"msg_{call}",
                type = "message",
                role = "assistant",
                model = "claude-test",
                content,
                stop_reason = turn is null ? "end_turn" : "tool_use",
                stop_sequence = (string?)null,
                usage = new { input_tokens = 100 + call, output_tokens = 10 + call },
            });
        }
    }
}
