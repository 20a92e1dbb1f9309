using System.Text.Json.Nodes;
using Autopack.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autopack.Executor.Tests.Support;

/// <summary>
/// An OpenAI-compatible chat-completions server on loopback whose builder answers with one huge text without
/// whitespace (no tool call, so it is the builder's summary) and whose auditor either approves or holds the request
/// until the client gives up. Records the auditor's user prompts as they arrive.
/// </summary>
internal sealed class HugeReplyChatServer : IAsyncDisposable
{
    private readonly string builderText;
    private readonly bool holdAuditor;
    private readonly List<string> auditorPrompts = [];
    private int builderReplies;
    private LoopbackServer? server;

    private HugeReplyChatServer(int builderChars, bool holdAuditor)
    {
        builderText = new string('x', builderChars);
        this.holdAuditor = holdAuditor;
    }

    public string BaseUrl => server!.BaseUrl;

    /// <summary>How many builder replies were written out completely.</summary>
    public int BuilderReplies => Volatile.Read(ref builderReplies);

    public IReadOnlyList<string> AuditorPrompts
    {
        get
        {
            lock (auditorPrompts)
            {
                return auditorPrompts.ToList();
            }
        }
    }

    public static async Task<HugeReplyChatServer> StartAsync(int builderChars, bool holdAuditor)
    {
        var huge = new HugeReplyChatServer(builderChars, holdAuditor);
        huge.server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/chat/completions", huge.HandleAsync));
        return huge;
    }

    public ValueTask DisposeAsync() => server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!;
        var builderTurn = body["tools"] is JsonArray { Count: > 0 };
        if (!builderTurn)
        {
            lock (auditorPrompts)
            {
                auditorPrompts.Add(body["messages"]!.AsArray().Last()!["content"]!.ToString());
            }

            if (holdAuditor)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }
        }

        await context.Response.WriteAsJsonAsync(new
        {
            id = "chatcmpl-huge",
            @object = "chat.completion",
            created = 1,
            model = "gpt-test",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = builderTurn ? builderText : "APPROVED." }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 50, completion_tokens = 5, total_tokens = 55 },
        });
        if (builderTurn)
        {
            Interlocked.Increment(ref builderReplies);
        }
    }
}
