using Autopack.Llm.Relay;
using Microsoft.AspNetCore.Http;

namespace Autopack.Gateway;

/// <summary>
/// An answer the endpoint itself gives an agent, in the format of the API the agent spoke, with the status and error
/// type its client acts on (ADR-037): an agent's SDK retries 429 and 5xx by itself and stops on other 4xx, and the
/// Stainless-generated OpenAI and Anthropic SDKs obey <c>x-should-retry</c>.
/// </summary>
internal sealed record AgentError(int OpenAiStatus, string OpenAiType, string? OpenAiCode, int AnthropicStatus, string AnthropicType, string Message)
{
    public string? Param { get; init; }

    /// <summary>Tells the client not to retry (<c>x-should-retry: false</c>): retrying cannot help.</summary>
    public bool Final { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public static AgentError Unauthorized() => new(
        401, "invalid_request_error", "invalid_api_key", 401, "authentication_error",
        "Invalid Autopack attempt key: it is wrong, or the attempt it was made for has ended.")
    { Final = true };

    public static AgentError BadRequest(string field, string detail) => new(
        400, "invalid_request_error", null, 400, "invalid_request_error", $"{field}: {detail}")
    { Param = field, Final = true };

    public static AgentError TooLarge(long limit) => new(
        413, "invalid_request_error", "request_too_large", 413, "request_too_large",
        $"Request body is larger than the metered endpoint accepts ({limit} bytes).")
    { Final = true };

    /// <summary>
    /// The budget has nothing useful left. OpenAI's answer for a spent account is 429 <c>insufficient_quota</c> (Codex
    /// CLI stops on that code; other clients see a 429 with <c>x-should-retry: false</c>); Anthropic's is 402
    /// <c>billing_error</c>, which its clients do not retry. Retrying could not help either way: the cap is hard.
    /// </summary>
    public static AgentError BudgetRefused(string reason) => new(
        429, "insufficient_quota", "insufficient_quota", 402, "billing_error",
        $"Autopack token budget: {reason}. The phase's or run's token_cap is reached; no further model calls are allowed in this attempt.")
    { Final = true };

    public static AgentError WrongApi(string provider, string useVariable) => new(
        400, "invalid_request_error", "unsupported_api", 400, "invalid_request_error",
        $"This attempt's provider is '{provider}': send its requests to {useVariable}.")
    { Final = true };

    public static AgentError BreakerOpen(string provider, TimeSpan? retryAfter) => new(
        503, "server_error", "service_unavailable", 529, "overloaded_error",
        $"Provider '{provider}' is unavailable (Autopack's circuit breaker is open); try again later.")
    { RetryAfter = retryAfter };

    public static AgentError UpstreamTimeout(string provider, string detail) => new(
        504, "server_error", "timeout", 504, "timeout_error", $"Provider '{provider}' did not answer in time: {detail}");

    public static AgentError UpstreamUnreachable(string provider, string detail) => new(
        502, "server_error", "bad_gateway", 502, "api_error", $"Provider '{provider}' could not be reached: {detail}");

    public static AgentError UpstreamRefusedKey(string provider, int status) => new(
        status, "invalid_request_error", "upstream_auth", status, status == 403 ? "permission_error" : "authentication_error",
        $"Provider '{provider}' refused Autopack's key (HTTP {status}); the operator must check the provider's key in Autopack's settings.")
    { Final = true };

    public static AgentError NotFound(string path) => new(
        404, "invalid_request_error", "unknown_url", 404, "not_found_error", $"Autopack's metered endpoint does not serve {path}.")
    { Final = true };

    public static AgentError Internal(string detail) => new(500, "server_error", null, 500, "api_error", $"Autopack's metered endpoint failed: {detail}");

    public int StatusFor(WireApi api) => api == WireApi.Messages ? AnthropicStatus : OpenAiStatus;

    public byte[] BodyFor(WireApi api) => api == WireApi.Messages
        ? MessagesWire.Error(AnthropicType, Message)
        : ChatCompletionsWire.Error(OpenAiType, OpenAiCode, Message, Param);

    /// <summary>Writes the error, unless the response has started (a stream) or the agent has gone.</summary>
    public async Task WriteAsync(HttpContext context, WireApi api)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var body = BodyFor(api);
        context.Response.StatusCode = StatusFor(api);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        if (Final)
        {
            context.Response.Headers["x-should-retry"] = "false";
        }

        if (RetryAfter is { } after)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The agent went away; nothing to tell it.
        }
    }
}
