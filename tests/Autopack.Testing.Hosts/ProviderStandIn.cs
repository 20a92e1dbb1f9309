using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autopack.Testing;

/// <summary>
/// A provider on loopback that speaks both wire formats as the real APIs do: OpenAI chat completions
/// (<c>POST /v1/chat/completions</c>, streams of <c>chat.completion.chunk</c>s with the usage chunk when
/// <c>stream_options.include_usage</c> asks for it, then <c>[DONE]</c>) and Anthropic Messages (<c>POST /v1/messages</c>,
/// streams of <c>message_start</c> ... <c>message_stop</c> events with a text block and a <c>tool_use</c> block;
/// <c>POST /v1/messages/count_tokens</c>). Every reply carries a text and a tool call, unless <see cref="Answer"/> gives
/// the request a plain answer (an auditor's verdict, a builder that is done). How each request is answered is chosen
/// by <see cref="Choose"/> from its number (1-based); every request is recorded.
/// </summary>
public sealed class ProviderStandIn : IAsyncDisposable
{
    /// <summary>The cache-read tokens an Anthropic reply reports as part of its input.</summary>
    public const long CacheReadTokens = 10;

    private readonly ConcurrentQueue<ReceivedCall> received = new();
    private LoopbackServer? server;
    private int calls;

    private ProviderStandIn()
    {
    }

    public string BaseUrl => server!.BaseUrl;

    public IReadOnlyList<ReceivedCall> Received => received.ToList();

    /// <summary>
    /// A cut stream waits for this before it drops the connection (the test sets it once the agent has the first
    /// events), so the cut comes after the endpoint has read them: a reset can discard bytes not yet read.
    /// </summary>
    public TaskCompletionSource CutNow { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How request N is answered; <see cref="StandInMode.Ok"/> by default.</summary>
    public Func<int, StandInMode> Choose { get; set; } = _ => StandInMode.Ok;

    /// <summary>
    /// A plain text answer for a request (no tool call, the turn ends: <c>stop</c> / <c>end_turn</c>), or null for the
    /// usual text and tool call; by default null for every request.
    /// </summary>
    public Func<JsonObject, string?> Answer { get; set; } = _ => null;

    /// <summary>The prompt tokens reported for a request: by default 40 (below what Autopack counts for the tests' requests, so rows are exact).</summary>
    public Func<JsonObject, long> ReportPrompt { get; set; } = _ => 40;

    /// <summary>A provider that counts more than Autopack: the o200k count of the request's messages and tools as JSON.</summary>
    public static long OverCountedPrompt(JsonObject body) =>
        PromptTokenCounter.O200k.Count((body["system"]?.ToJsonString() ?? "") + (body["messages"]?.ToJsonString() ?? "") + (body["tools"]?.ToJsonString() ?? "")) + 10;

    /// <summary>The completion tokens reported, from the max output the request allows: by default all of it (the worst case).</summary>
    public Func<long, long> ReportCompletion { get; set; } = granted => granted;

    public static async Task<ProviderStandIn> StartAsync()
    {
        var standIn = new ProviderStandIn();
        standIn.server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", standIn.ChatCompletionsAsync);
            app.MapPost("/v1/messages", standIn.MessagesAsync);
            app.MapPost("/v1/messages/count_tokens", standIn.CountTokensAsync);
        });
        return standIn;
    }

    public ValueTask DisposeAsync() => server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task<(int Number, StandInMode Mode, JsonObject Body)> ReceiveAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var number = Interlocked.Increment(ref calls);
        var headers = context.Request.Headers;
        received.Enqueue(new ReceivedCall(
            context.Request.Path, headers.Authorization.ToString(), headers["x-api-key"].ToString(), headers["anthropic-version"].ToString(), body));
        return (number, Choose(number), body);
    }

    private async Task ChatCompletionsAsync(HttpContext context)
    {
        var (n, mode, body) = await ReceiveAsync(context);
        if (await FailedAsync(context, mode, openAi: true))
        {
            return;
        }

        var model = body["model"]?.GetValue<string>() ?? "none";
        var granted = (body["max_completion_tokens"] ?? body["max_tokens"])?.GetValue<long>() ?? 4096;
        var (prompt, completion) = Usage(mode, body, granted);
        var stream = body["stream"]?.GetValue<bool>() == true;
        var answer = Answer(body);
        if (!stream)
        {
            var message = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = answer ?? $"step {n} done",
            };
            if (answer is null)
            {
                message["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"call_{n}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = "write_file", ["arguments"] = """{"path":"a.txt","content":"x"}""" },
                });
            }

            var reply = new JsonObject
            {
                ["id"] = $"chatcmpl-{n}",
                ["object"] = "chat.completion",
                ["created"] = 1,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = answer is null ? "tool_calls" : "stop" }),
            };
            if (mode != StandInMode.NoUsage)
            {
                reply["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
            }

            await WriteReplyAsync(context, mode, reply);
            return;
        }

        var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
        var chunks = new List<string>
        {
            Chunk(n, model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null, includeUsage),
        };
        foreach (var word in answer is null ? new[] { "step ", $"{n} ", "done" } : [answer])
        {
            chunks.Add(Chunk(n, model, new JsonObject { ["content"] = word }, null, includeUsage));
        }

        if (answer is null)
        {
            chunks.Add(Chunk(n, model, new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["id"] = $"call_{n}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = "write_file", ["arguments"] = "" },
                }),
            }, null, includeUsage));
            foreach (var piece in new[] { """{"path":""", """ "a.txt",""", """ "content": "x"}""" })
            {
                chunks.Add(Chunk(n, model, new JsonObject { ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }) }, null, includeUsage));
            }
        }

        chunks.Add(Chunk(n, model, [], answer is null ? "tool_calls" : "stop", includeUsage));
        if (includeUsage && mode != StandInMode.NoUsage)
        {
            chunks.Add(new JsonObject
            {
                ["id"] = $"chatcmpl-{n}",
                ["object"] = "chat.completion.chunk",
                ["created"] = 1,
                ["model"] = model,
                ["choices"] = new JsonArray(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion },
            }.ToJsonString());
        }

        chunks.Add("[DONE]");
        await StreamAsync(context, chunks.Select(c => $"data: {c}\n\n").ToList(), mode == StandInMode.Cut);
    }

    private async Task MessagesAsync(HttpContext context)
    {
        var (n, mode, body) = await ReceiveAsync(context);
        if (await FailedAsync(context, mode, openAi: false))
        {
            return;
        }

        var model = body["model"]?.GetValue<string>() ?? "none";
        var granted = body["max_tokens"]?.GetValue<long>() ?? 0;
        var (prompt, completion) = Usage(mode, body, granted);
        var usage = new JsonObject
        {
            ["input_tokens"] = prompt - CacheReadTokens,
            ["cache_creation_input_tokens"] = 0,
            ["cache_read_input_tokens"] = CacheReadTokens,
            ["output_tokens"] = completion,
        };
        var stream = body["stream"]?.GetValue<bool>() == true;
        var answer = Answer(body);
        if (!stream)
        {
            var content = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = answer ?? $"step {n} done" });
            if (answer is null)
            {
                content.Add(new JsonObject { ["type"] = "tool_use", ["id"] = $"toolu_{n}", ["name"] = "write_file", ["input"] = new JsonObject { ["path"] = "a.txt", ["content"] = "x" } });
            }

            var reply = new JsonObject
            {
                ["id"] = $"msg_{n}",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = content,
                ["stop_reason"] = answer is null ? "tool_use" : "end_turn",
                ["stop_sequence"] = null,
            };
            if (mode != StandInMode.NoUsage)
            {
                reply["usage"] = usage;
            }

            await WriteReplyAsync(context, mode, reply);
            return;
        }

        var withUsage = mode != StandInMode.NoUsage;
        var start = new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = $"msg_{n}",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
            },
        };
        if (withUsage)
        {
            start["message"]!["usage"] = new JsonObject
            {
                ["input_tokens"] = prompt - CacheReadTokens,
                ["cache_creation_input_tokens"] = 0,
                ["cache_read_input_tokens"] = CacheReadTokens,
                ["output_tokens"] = 1,
            };
        }

        var events = new List<(string Name, JsonObject Data)>
        {
            ("message_start", start),
            ("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } }),
            ("ping", new JsonObject { ["type"] = "ping" }),
        };
        foreach (var word in answer is null ? new[] { "step ", $"{n} ", "done" } : [answer])
        {
            events.Add(("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = word } }));
        }

        events.Add(("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 }));
        if (answer is null)
        {
            events.Add(("content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = 1,
                ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = $"toolu_{n}", ["name"] = "write_file", ["input"] = new JsonObject() },
            }));
            foreach (var piece in new[] { """{"path":""", """ "a.txt",""", """ "content": "x"}""" })
            {
                events.Add(("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 1, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece } }));
            }

            events.Add(("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 1 }));
        }

        var delta = new JsonObject { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = answer is null ? "tool_use" : "end_turn", ["stop_sequence"] = null } };
        if (withUsage)
        {
            delta["usage"] = new JsonObject { ["output_tokens"] = completion };
        }

        events.Add(("message_delta", delta));
        events.Add(("message_stop", new JsonObject { ["type"] = "message_stop" }));
        await StreamAsync(context, events.Select(e => $"event: {e.Name}\ndata: {e.Data.ToJsonString()}\n\n").ToList(), mode == StandInMode.Cut);
    }

    private async Task CountTokensAsync(HttpContext context)
    {
        var (_, mode, body) = await ReceiveAsync(context);
        if (await FailedAsync(context, mode, openAi: false))
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"input_tokens":{{ReportPrompt(body)}}}""");
    }

    private (long Prompt, long Completion) Usage(StandInMode mode, JsonObject body, long granted) =>
        mode == StandInMode.AbsurdUsage ? (50_000_000, 50_000_000) : (ReportPrompt(body), Math.Max(1, Math.Min(granted, ReportCompletion(granted))));

    private static string Chunk(int n, string model, JsonObject delta, string? finish, bool includeUsage)
    {
        var chunk = new JsonObject
        {
            ["id"] = $"chatcmpl-{n}",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        if (includeUsage)
        {
            chunk["usage"] = null;
        }

        return chunk.ToJsonString();
    }

    /// <summary>Answers the failure modes; false for the ones that reply.</summary>
    private static async Task<bool> FailedAsync(HttpContext context, StandInMode mode, bool openAi)
    {
        switch (mode)
        {
            case StandInMode.ServerError:
                context.Response.StatusCode = 500;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(openAi
                    ? """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"""
                    : """{"type":"error","error":{"type":"api_error","message":"Internal server error"}}""");
                return true;
            case StandInMode.RateLimited:
                context.Response.StatusCode = 429;
                context.Response.Headers["retry-after"] = "7";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(openAi
                    ? """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"""
                    : """{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}""");
                return true;
            case StandInMode.Unauthorized:
                context.Response.StatusCode = 401;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"error":{"message":"Incorrect API key provided: sk-real-****-key.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");
                return true;
            case StandInMode.NotFound:
                context.Response.StatusCode = 404;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"type":"error","error":{"type":"not_found_error","message":"Not found"}}""");
                return true;
            case StandInMode.Hang:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return true;
            default:
                return false;
        }
    }

    private async Task StreamAsync(HttpContext context, List<string> events, bool cut)
    {
        context.Response.ContentType = "text/event-stream";
        var count = cut ? 5 : events.Count;
        foreach (var sse in events.Take(count))
        {
            await context.Response.WriteAsync(sse);
            await context.Response.Body.FlushAsync();
        }

        if (cut)
        {
            await CutNow.Task.WaitAsync(TimeSpan.FromSeconds(30));
            context.Abort();
        }
    }

    /// <summary>A whole JSON reply, or its first 40 bytes and a dropped connection when the mode cuts it.</summary>
    private static async Task WriteReplyAsync(HttpContext context, StandInMode mode, JsonObject reply)
    {
        if (mode == StandInMode.Cut)
        {
            await CutAsync(context, "application/json", reply.ToJsonString()[..40]);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.ToJsonString());
    }

    private static async Task CutAsync(HttpContext context, string contentType, string start)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = 4096;
        await context.Response.WriteAsync(start);
        await context.Response.Body.FlushAsync();
        context.Abort();
    }
}
