using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>
/// One provider call through an SDK's <see cref="IChatClient"/>: the request as <see cref="ChatOptions"/> (tools as
/// declarations only, so nothing runs them here: the agent loop does), the reply checked for usage, and every
/// SDK failure turned into a classified <see cref="ProviderException"/> by the provider's own translation.
/// </summary>
internal static class ChatClientCall
{
    public static async Task<LlmResponse> SendAsync(
        IChatClient chat,
        string provider,
        string configuredModel,
        LlmRequest request,
        Func<Exception, ProviderException?> translate,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new ChatOptions
        {
            ModelId = request.Model ?? configuredModel,
            MaxOutputTokens = request.MaxOutputTokens,
            Tools = request.Tools.Count == 0
                ? null
                : request.Tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Description, t.ParametersSchema)).ToList(),
        };

        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(request.Messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Not our token: the SDK's or the HttpClient's own timeout gave up.
            throw new ProviderException(provider, ProviderErrorKind.Timeout, "no answer before the client's timeout", null, ex) { MayHaveBeenBilled = true };
        }
        catch (JsonException ex)
        {
            throw Malformed(provider, $"reply is not the wire format ({ex.Message})", ex);
        }
        catch (Exception ex) when (translate(ex) is { } classified)
        {
            throw classified;
        }
        catch (IOException ex)
        {
            // The connection broke while the reply was read (the SDK buffers the body outside its error mapping).
            throw Network(provider, ex);
        }

        return ToResponse(provider, response, options.ModelId);
    }

    private static LlmResponse ToResponse(string provider, ChatResponse response, string requestedModel)
    {
        if (response.Usage is not { InputTokenCount: { } prompt, OutputTokenCount: { } completion })
        {
            throw Malformed(provider, "reply lacks usage (prompt and completion token counts)");
        }

        if (prompt < 0 || completion < 0)
        {
            throw Malformed(provider, $"reply's usage is not a token count (prompt {prompt}, completion {completion})");
        }

        // A non-streaming call answers with one assistant message.
        var message = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)
            ?? throw Malformed(provider, "reply has no assistant message");
        return new LlmResponse(message, prompt, completion, string.IsNullOrEmpty(response.ModelId) ? requestedModel : response.ModelId);
    }

    public static ProviderException Malformed(string provider, string message, Exception? inner = null) =>
        new(provider, ProviderErrorKind.MalformedResponse, message, null, inner) { MayHaveBeenBilled = true };

    /// <summary>
    /// A failed connection: one that never opened (refused, no such host) sent nothing; one that broke later
    /// (the reply cut short, reset mid-response) may have been billed.
    /// </summary>
    public static ProviderException Network(string provider, Exception error)
    {
        var detail = error.InnerException?.Message ?? error.Message;
        var sent = !NeverConnected(error);
        return new ProviderException(provider, ProviderErrorKind.Network, $"connection {(sent ? "broke" : "failed")}: {detail}", null, error) { MayHaveBeenBilled = sent };
    }

    private static bool NeverConnected(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }:
                    return true;
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The most a provider's <c>Retry-After</c> makes us wait per retry: a longer ask waits this, then tries.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Parses <c>retry-after-ms</c> (OpenAI) or <c>Retry-After</c> (seconds or an HTTP date), capped at
    /// <see cref="MaxRetryAfter"/>; null when absent or unreadable.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? milliseconds, string? retryAfter, DateTimeOffset now)
    {
        TimeSpan? wait = null;
        if (double.TryParse(milliseconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            wait = TimeSpan.FromMilliseconds(ms);
        }
        else if (double.TryParse(retryAfter, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            wait = TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfter.TotalSeconds));
        }
        else if (DateTimeOffset.TryParseExact(retryAfter?.Trim(), "r", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
        {
            wait = date > now ? date - now : TimeSpan.Zero;
        }

        return wait is { } w && w > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    /// <summary>The classification every provider shares for an HTTP status.</summary>
    public static ProviderErrorKind KindOf(int status) => ProviderException.KindOf(status);

    private const int MaxErrorBodyChars = 300;

    /// <summary>"HTTP 503: {body excerpt}", so the provider's own message reaches the operator.</summary>
    public static ProviderException FromStatus(string provider, int status, string? body, Exception inner, TimeSpan? retryAfter = null)
    {
        var text = body ?? "";
        var excerpt = text.Length > MaxErrorBodyChars ? text[..MaxErrorBodyChars] + "..." : text;
        return new ProviderException(provider, KindOf(status), $"HTTP {status}: {excerpt}", status, inner) { RetryAfter = retryAfter };
    }
}
