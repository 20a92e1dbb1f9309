using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Autopack.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autopack.Executor.Tests.Support;

/// <summary>How <see cref="FlakyChatServer"/> answers one request.</summary>
public enum FlakyReply
{
    /// <summary>A chat completion: a builder turn (tools offered) calls finish, the auditor approves.</summary>
    Ok,

    /// <summary>HTTP 503.</summary>
    Unavailable,

    /// <summary>HTTP 429 with <c>Retry-After: 2</c>.</summary>
    RateLimited,

    /// <summary>Reads the request, then never answers (until the client gives up).</summary>
    Hang,

    /// <summary>Reads the request, starts a 200 reply, then drops the connection mid-body.</summary>
    Drop,
}

/// <summary>
/// An OpenAI-compatible chat-completions server on loopback whose answer to each request is chosen by a function
/// of the request's number (1-based). Records when each request arrived.
/// </summary>
internal sealed class FlakyChatServer : IAsyncDisposable
{
    private readonly Func<int, FlakyReply> choose;
    private readonly ConcurrentQueue<(DateTimeOffset At, FlakyReply Reply)> received = new();
    private int calls;

    private LoopbackServer? server;

    private FlakyChatServer(Func<int, FlakyReply> choose)
    {
        this.choose = choose;
    }

    public string BaseUrl => server!.BaseUrl;

    public IReadOnlyList<(DateTimeOffset At, FlakyReply Reply)> Received => received.ToList();

    public static async Task<FlakyChatServer> StartAsync(Func<int, FlakyReply> choose)
    {
        var flaky = new FlakyChatServer(choose);
        flaky.server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/chat/completions", flaky.HandleAsync));
        return flaky;
    }

    public ValueTask DisposeAsync() => server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!;
        var call = Interlocked.Increment(ref calls);
        var reply = choose(call);
        received.Enqueue((TimeProvider.System.GetUtcNow(), reply));
        switch (reply)
        {
            case FlakyReply.Unavailable:
                context.Response.StatusCode = 503;
                await context.Response.WriteAsJsonAsync(new { error = new { message = "upstream overloaded" } });
                return;
            case FlakyReply.RateLimited:
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "2";
                await context.Response.WriteAsJsonAsync(new { error = new { message = "slow down" } });
                return;
            case FlakyReply.Hang:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case FlakyReply.Drop:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 4096;
                await context.Response.WriteAsync("""{"id":"chatcmpl-x","object":"chat.completion","choices":[""");
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
        }

        var builderTurn = body["tools"] is JsonArray { Count: > 0 };
        object message = builderTurn
            ? new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = $"call_{call}", type = "function", function = new { name = "finish", arguments = """{"summary":"nothing to change"}""" } } } }
            : new { role = "assistant", content = (string?)"APPROVED." };
        await context.Response.WriteAsJsonAsync(new
        {
            id = $"chatcmpl-{call}",
            @object = "chat.completion",
            created = 1,
            model = "gpt-test",
            choices = new[] { new { index = 0, message, finish_reason = builderTurn ? "tool_calls" : "stop" } },
            usage = new { prompt_tokens = 50, completion_tokens = 5, total_tokens = 55 },
        });
    }
}
