using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Autopack.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autopack.Llm.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, a free port) standing in for an LLM provider. Each request takes
/// the next scripted reply (status, body, delay); when the script runs out it answers 500. Every request is
/// recorded, so tests can assert what the client sent and how often it was hit.
/// </summary>
public sealed class ScriptedProviderServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ScriptedReply> script = new();
    private readonly ConcurrentQueue<ReceivedRequest> received = new();
    private readonly WebApplication app;

    private ScriptedProviderServer(WebApplication app, int port)
    {
        this.app = app;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public int Hits => received.Count;

    public IReadOnlyList<ReceivedRequest> Received => received.ToList();

    public static async Task<ScriptedProviderServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new ScriptedProviderServer(app, port);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    public ScriptedProviderServer Enqueue(params ScriptedReply[] replies)
    {
        foreach (var reply in replies)
        {
            script.Enqueue(reply);
        }

        return this;
    }

    /// <summary>An HttpClient pointed at this server, with no client-side timeout (the pipelines own timeouts, as in production).</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", headers, ParseBody(text)));

        var reply = script.TryDequeue(out var next) ? next : ScriptedReply.Error(500, """{"error":{"message":"script exhausted"}}""");
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up; nobody is listening
            }
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }

    /// <summary>The body as JSON, or as a JSON string when the client sent something else.</summary>
    private static JsonElement ParseBody(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
