using System.Text.Json;
using Autopack.Llm.Providers;
using Autopack.Llm.Relay;
using Autopack.Llm.Resilience;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Autopack.Gateway;

/// <summary>
/// The endpoint's routes. Every one needs an attempt's key (a wrong or expired one gets the API's own 401), reads
/// its body within <see cref="MeteredEndpoint.MaxRequestBytes"/>, and answers a body it cannot read with the API's
/// own 400 naming the field; nothing an agent sends makes it fail.
/// </summary>
internal static class GatewayRoutes
{
    public static void Map(
        WebApplication app,
        AttemptRegistry registry,
        MeteredRelay relay,
        ProviderPipelines pipelines,
        UpstreamClient upstream,
        ProviderCatalog providers,
        ILogger logger)
    {
        app.MapPost("/v1/chat/completions", context => ServeAsync(context, WireApi.ChatCompletions, registry, logger, async (session, body, token) =>
        {
            var request = ChatCompletionsWire.ParseRequest(body);
            await relay.RelayAsync(context, session, request, token).ConfigureAwait(false);
        }));

        app.MapPost("/v1/messages", context => ServeAsync(context, WireApi.Messages, registry, logger, async (session, body, token) =>
        {
            var request = MessagesWire.ParseRequest(body);
            await relay.RelayAsync(context, session, request, token).ConfigureAwait(false);
        }));

        app.MapPost("/v1/messages/count_tokens", context => ServeAsync(context, WireApi.Messages, registry, logger, (session, body, token) =>
            CountTokensAsync(context, session, body, pipelines, upstream, providers, token)));

        app.MapGet("/v1/models", context => ModelsAsync(context, registry));

        app.MapFallback(context => AgentError.NotFound($"{context.Request.Method} {context.Request.Path}").WriteAsync(context, ApiOf(context.Request)));
    }

    private static async Task ServeAsync(
        HttpContext context, WireApi api, AttemptRegistry registry, ILogger logger, Func<AttemptSession, byte[], CancellationToken, Task> serve)
    {
        var session = registry.Authenticate(context.Request.Headers);
        if (session is null || !session.TryEnter())
        {
            await AgentError.Unauthorized().WriteAsync(context, api).ConfigureAwait(false);
            return;
        }

        try
        {
            if (session.Api != api)
            {
                var variable = session.Api == WireApi.Messages ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL";
                await AgentError.WrongApi(session.Target.Provider, variable).WriteAsync(context, api).ConfigureAwait(false);
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, session.Stopping);
            var body = await ReadBodyAsync(context, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                await AgentError.TooLarge(MeteredEndpoint.MaxRequestBytes).WriteAsync(context, api).ConfigureAwait(false);
                return;
            }

            await serve(session, body, linked.Token).ConfigureAwait(false);
        }
        catch (WireRequestException ex)
        {
            await AgentError.BadRequest(ex.Field, ex.Detail).WriteAsync(context, api).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || session.Stopping.IsCancellationRequested)
        {
            // The agent went away, or its attempt ended: whatever was reserved is settled or released already.
            context.Abort();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "metered endpoint: a request of phase {PhaseId} failed", session.Target.PhaseId);
            await AgentError.Internal(ex.GetType().Name).WriteAsync(context, api).ConfigureAwait(false);
            if (context.Response.HasStarted)
            {
                context.Abort();
            }
        }
        finally
        {
            session.Exit();
        }
    }

    /// <summary>The request body, or null when it is larger than the endpoint accepts.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, CancellationToken token)
    {
        if (context.Request.ContentLength > MeteredEndpoint.MaxRequestBytes)
        {
            return null;
        }

        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > MeteredEndpoint.MaxRequestBytes)
                {
                    return null;
                }

                copy.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return copy.ToArray();
    }

    /// <summary>
    /// Anthropic's token count, not charged (the provider does not bill it): forwarded with the real key through the
    /// provider's breaker; a provider without the endpoint (404, 405) is answered with Autopack's own count.
    /// </summary>
    private static async Task CountTokensAsync(
        HttpContext context, AttemptSession session, byte[] body, ProviderPipelines pipelines, UpstreamClient upstream, ProviderCatalog providers, CancellationToken token)
    {
        var provider = providers.Get(session.Target.Provider);
        var forward = MessagesWire.CountTokensForUpstream(body, session.Model);
        try
        {
            using var response = await pipelines.SendAttemptAsync(
                provider.Name,
                ct => upstream.SendAsync(provider.Name, "v1/messages/count_tokens", forward, false, context.Request.Headers, new UpstreamSend(), ct),
                token).ConfigureAwait(false);
            var reply = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await context.Response.Body.WriteAsync(reply, token).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.StatusCode is 404 or 405)
        {
            var request = MessagesWire.ParseRequest(WithMaxTokens(body));
            var count = request.CountPromptTokens(provider.Counter, token);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"input_tokens":{{count}}}""", token).ConfigureAwait(false);
        }
        catch (ProviderException ex)
        {
            await MeteredRelay.RelayErrorAsync(context, WireApi.Messages, provider.Name, ex).ConfigureAwait(false);
        }
        catch (ProviderUnavailableException ex)
        {
            await AgentError.BreakerOpen(provider.Name, ex.RetryAfter).WriteAsync(context, WireApi.Messages).ConfigureAwait(false);
        }
    }

    /// <summary>A count_tokens body with a max_tokens, so it reads as a Messages request.</summary>
    private static byte[] WithMaxTokens(byte[] body)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        node["max_tokens"] = 1;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(json);
        }

        return buffer.ToArray();
    }

    /// <summary>The one model an attempt is served with, in the shape of the API the client speaks.</summary>
    private static async Task ModelsAsync(HttpContext context, AttemptRegistry registry)
    {
        var api = ApiOf(context.Request);
        if (registry.Authenticate(context.Request.Headers) is not { } session)
        {
            await AgentError.Unauthorized().WriteAsync(context, api).ConfigureAwait(false);
            return;
        }

        var id = JsonEncodedText.Encode(session.Model);
        context.Response.ContentType = "application/json";
        var body = api == WireApi.Messages
            ? $$"""{"data":[{"type":"model","id":"{{id}}","display_name":"{{id}}","created_at":"1970-01-01T00:00:00Z"}],"has_more":false,"first_id":"{{id}}","last_id":"{{id}}"}"""
            : $$"""{"object":"list","data":[{"id":"{{id}}","object":"model","created":0,"owned_by":"autopack"}]}""";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Which API a request that names none speaks: Anthropic clients send <c>anthropic-version</c> or <c>x-api-key</c>.</summary>
    private static WireApi ApiOf(HttpRequest request) =>
        request.Headers.ContainsKey("anthropic-version") || request.Headers.ContainsKey("x-api-key") ? WireApi.Messages : WireApi.ChatCompletions;
}
