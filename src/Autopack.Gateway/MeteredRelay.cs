using System.Text.Json;
using Autopack.Domain.Budgets;
using Autopack.Llm.Providers;
using Autopack.Llm.Relay;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autopack.Gateway;

/// <summary>
/// One agent request as a budgeted call of its attempt's phase (ADR-037): the prompt counted as the provider's model
/// counts (<see cref="ILlmProvider.Counter"/>), the worst case reserved through Storage's <see cref="MeteredCall"/>
/// (the built-in builder's path, ADR-036) with the max output shrunk to the headroom or the request refused in the
/// provider's own error format, one HTTP attempt through the provider's breaker and timeout with the real key, and
/// the usage row written before the agent sees the end of the reply: the reported usage when it can be charged
/// (Domain's <see cref="UsageReport"/>), otherwise the prompt plus what was counted of the output, marked estimated.
/// </summary>
internal sealed class MeteredRelay(
    TokenLedger ledger,
    ProviderCatalog providers,
    ProviderPipelines pipelines,
    UpstreamClient upstream,
    BudgetSettings settings,
    ILogger logger)
{
    /// <summary>The largest reply body read whole (a non-streamed reply); a stream is relayed event by event.</summary>
    public const int MaxReplyBytes = 32 * 1024 * 1024;

    public async Task RelayAsync(HttpContext context, AttemptSession session, RelayRequest request, CancellationToken token)
    {
        var target = session.Target;
        var provider = providers.Get(target.Provider);
        var prompt = request.CountPromptTokens(provider.Counter, token);
        var maxOutput = request.RequestedMaxOutputTokens ?? settings.MaxOutputTokens;
        var minOutput = Math.Min(settings.MinOutputTokens, maxOutput);
        var call = await MeteredCall.ReserveAsync(ledger, target.RunId, target.PhaseId, target.OwnerId, prompt, maxOutput, minOutput, token)
            .ConfigureAwait(false);
        if (!call.Granted)
        {
            session.Refused();
            logger.LogInformation("metered endpoint: phase {PhaseId} refused a request of {Prompt} prompt tokens: {Reason}", target.PhaseId, prompt, call.Decision.Reason);
            await AgentError.BudgetRefused(call.Decision.Reason!).WriteAsync(context, request.Api).ConfigureAwait(false);
            return;
        }

        var send = new UpstreamSend();
        HttpResponseMessage response;
        try
        {
            var body = request.ForUpstream(session.Model, (int)call.Decision.MaxOutputTokens);
            response = await pipelines.SendAttemptAsync(
                provider.Name,
                ct => upstream.SendAsync(provider.Name, PathOf(request.Api), body, request.Stream, context.Request.Headers, send, ct),
                token).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.MayHaveBeenBilled)
        {
            // Sent, and nothing came back (a timeout, a connection broken after the body went): charge the prompt.
            logger.LogWarning("metered endpoint: {Provider} request of phase {PhaseId} charged as an estimate: {Message}", provider.Name, target.PhaseId, ex.Message);
            await SettleAsync(session, call, provider, null, 0, null, null).ConfigureAwait(false);
            var error = ex.Kind == ProviderErrorKind.Timeout ? AgentError.UpstreamTimeout(provider.Name, ex.Message) : AgentError.UpstreamUnreachable(provider.Name, ex.Message);
            await error.WriteAsync(context, request.Api).ConfigureAwait(false);
            return;
        }
        catch (ProviderException ex)
        {
            // An error status or a connection that never opened: nothing billed.
            await call.ReleaseAsync().ConfigureAwait(false);
            logger.LogWarning("metered endpoint: {Provider} request of phase {PhaseId} failed: {Message}", provider.Name, target.PhaseId, ex.Message);
            await RelayErrorAsync(context, request.Api, provider.Name, ex).ConfigureAwait(false);
            return;
        }
        catch (ProviderUnavailableException ex)
        {
            await call.ReleaseAsync().ConfigureAwait(false);
            await AgentError.BreakerOpen(provider.Name, ex.RetryAfter).WriteAsync(context, request.Api).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (send.Sent)
        {
            // The agent went away or the attempt ended after the request was sent: the provider may bill it.
            await SettleAsync(session, call, provider, null, 0, null, null).ConfigureAwait(false);
            throw;
        }
        catch
        {
            await call.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        using (response)
        {
            if (request.Stream)
            {
                await RelayStreamAsync(context, session, call, provider, request, response, token).ConfigureAwait(false);
            }
            else
            {
                await RelayReplyAsync(context, session, call, provider, request.Api, response, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The provider's path for an API, under its base URL.</summary>
    public static string PathOf(WireApi api) => api == WireApi.Messages ? "v1/messages" : "chat/completions";

    /// <summary>Relays a provider's error answer as it came; a refused key is reported without the provider's text (it may quote the key).</summary>
    public static Task RelayErrorAsync(HttpContext context, WireApi api, string provider, ProviderException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.InnerException is not UpstreamErrorReply reply)
        {
            return AgentError.UpstreamUnreachable(provider, error.Message).WriteAsync(context, api);
        }

        if (reply.Status is 401 or 403)
        {
            return AgentError.UpstreamRefusedKey(provider, reply.Status).WriteAsync(context, api);
        }

        return WriteReplyAsync(context, reply.Status, reply.ContentType, reply.Body, reply.Headers);
    }

    private async Task RelayReplyAsync(
        HttpContext context, AttemptSession session, MeteredCall call, ILlmProvider provider, WireApi api, HttpResponseMessage response, CancellationToken token)
    {
        byte[] body;
        try
        {
            body = await ReadReplyAsync(response, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or InvalidDataException)
        {
            // The reply broke off, stalled past the idle limit, or was too large: billed, unseen.
            await SettleAsync(session, call, provider, null, 0, null, null).ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            await AgentError.UpstreamUnreachable(provider.Name, $"the reply broke off ({ex.Message})").WriteAsync(context, api).ConfigureAwait(false);
            return;
        }

        WireUsage? reported = null;
        string? model = null;
        long counted = 0;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            reported = api == WireApi.Messages ? MessagesWire.UsageOf(root) : ChatCompletionsWire.UsageOf(root);
            model = api == WireApi.Messages ? MessagesWire.ModelOf(root) : ChatCompletionsWire.ModelOf(root);
            if (reported is null)
            {
                counted = provider.Counter.Count(api == WireApi.Messages ? MessagesWire.OutputTextOf(root) : ChatCompletionsWire.OutputTextOf(root), token);
            }
        }
        catch (JsonException)
        {
            // A 2xx answer that is not the wire format: relayed as it came, charged as an estimate.
        }

        if (!await SettleAsync(session, call, provider, reported, counted, null, model).ConfigureAwait(false))
        {
            await AgentError.Internal("the call's usage could not be recorded").WriteAsync(context, api).ConfigureAwait(false);
            return;
        }

        await WriteReplyAsync(context, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, []).ConfigureAwait(false);
    }

    private async Task RelayStreamAsync(
        HttpContext context, AttemptSession session, MeteredCall call, ILlmProvider provider, RelayRequest request, HttpResponseMessage response, CancellationToken token)
    {
        var meter = StreamMeter.For(request.Api, provider.Counter, request.AgentAskedStreamUsage);
        var reader = new SseEventReader();
        var events = new List<SseEvent>();
        var settled = false;
        var settleFailed = false;
        var cut = false;
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        // The usage row is written before the stream's end marker reaches the agent.
        async Task<bool> ForwardAsync()
        {
            foreach (var sse in events)
            {
                var relay = meter.Observe(sse);
                if (!settled && meter.Completed)
                {
                    settled = true;
                    settleFailed = !await SettleAsync(session, call, provider, meter.Reported, meter.CountedCompletionTokens(), meter.ReportedPromptTokens, meter.Model)
                        .ConfigureAwait(false);
                    if (settleFailed)
                    {
                        return false;
                    }
                }

                if (relay)
                {
                    await context.Response.Body.WriteAsync(sse.Raw, token).ConfigureAwait(false);
                }
            }

            await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
            return true;
        }

        var buffer = new byte[16 * 1024];
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            while (true)
            {
                var read = await ReadWithinIdleLimitAsync(body, buffer, token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                events.Clear();
                reader.Append(buffer.AsSpan(0, read), events);
                if (!await ForwardAsync().ConfigureAwait(false))
                {
                    break;
                }
            }

            events.Clear();
            if (!settleFailed && reader.Flush() is { } last)
            {
                events.Add(last);
                await ForwardAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // The provider's stream broke or stalled past the idle limit, or the agent or the attempt went away.
            cut = true;
            logger.LogWarning("metered endpoint: {Provider} stream of phase {PhaseId} cut short: {Message}", provider.Name, session.Target.PhaseId, ex.Message);
        }

        if (!settled)
        {
            settleFailed = !await SettleAsync(session, call, provider, meter.Reported, meter.CountedCompletionTokens(), meter.ReportedPromptTokens, meter.Model)
                .ConfigureAwait(false);
        }

        if (cut || settleFailed)
        {
            // The agent must not take a broken stream for a whole one.
            context.Abort();
        }
    }

    /// <summary>
    /// Settles the call: the reported usage when it can be charged, otherwise an estimate (the prompt, or the prompt the
    /// provider reported, plus what was counted of the output). False when the row could not be written (the
    /// reservation was released; the agent must not get the reply as if it had been recorded).
    /// </summary>
    private async Task<bool> SettleAsync(
        AttemptSession session, MeteredCall call, ILlmProvider provider, WireUsage? reported, long countedCompletion, long? reportedPrompt, string? model)
    {
        var target = session.Target;
        var recorded = reported?.Model ?? model ?? session.Model;
        try
        {
            SettlementResult settlement;
            if (reported is not null
                && UsageReport.Problem(reported.PromptTokens, reported.CompletionTokens, call.PromptTokens, call.Decision.ReservedTokens) is not { } problem)
            {
                settlement = await call.SettleAsync(new UsageRecord(target.PhaseName, provider.Name, recorded, target.Role, reported.PromptTokens, reported.CompletionTokens))
                    .ConfigureAwait(false);
            }
            else
            {
                if (reported is not null)
                {
                    logger.LogWarning(
                        "metered endpoint: {Provider} reported usage that cannot be charged ({Problem}); charged as an estimate",
                        provider.Name,
                        UsageReport.Problem(reported.PromptTokens, reported.CompletionTokens, call.PromptTokens, call.Decision.ReservedTokens));
                }

                settlement = await call.SettleEstimateAsync(target.PhaseName, provider.Name, recorded, target.Role, countedCompletion, reportedPrompt).ConfigureAwait(false);
            }

            session.Charged(settlement.Charged.Total);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "metered endpoint: the usage of a {Provider} request of phase {PhaseId} could not be recorded", provider.Name, target.PhaseId);
            return false;
        }
    }

    /// <summary>One read of the provider's reply, given up when nothing comes for the provider's attempt timeout.</summary>
    private async Task<int> ReadWithinIdleLimitAsync(Stream body, byte[] buffer, CancellationToken token)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
        idle.CancelAfter(pipelines.AttemptTimeout);
        return await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
    }

    private async Task<byte[]> ReadReplyAsync(HttpResponseMessage response, CancellationToken token)
    {
        await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await ReadWithinIdleLimitAsync(body, buffer, token).ConfigureAwait(false);
            if (read == 0)
            {
                return copy.ToArray();
            }

            if (copy.Length + read > MaxReplyBytes)
            {
                throw new InvalidDataException($"the reply is larger than {MaxReplyBytes} bytes");
            }

            copy.Write(buffer, 0, read);
        }
    }

    private static async Task WriteReplyAsync(HttpContext context, int status, string? contentType, byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType ?? "application/json";
        context.Response.ContentLength = body.Length;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        try
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The agent went away.
        }
    }
}
