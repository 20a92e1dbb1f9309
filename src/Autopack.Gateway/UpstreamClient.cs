using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Relay;
using Microsoft.AspNetCore.Http;

namespace Autopack.Gateway;

/// <summary>
/// Sends a relayed request to the phase's provider at its configured base URL with the real key from the settings
/// (the agent never sees it): one HTTP attempt, answered once the response headers are in. An error status is read
/// (up to <see cref="MaxErrorBodyBytes"/>) and thrown as a classified <see cref="ProviderException"/> so the
/// provider's breaker counts it; a broken connection is one that may have been billed once the body was sent.
/// </summary>
internal sealed class UpstreamClient(HttpClient http, LlmSettings settings)
{
    public const int MaxErrorBodyBytes = 64 * 1024;

    private const string DefaultAnthropicVersion = "2023-06-01";

    private static readonly string[] RelayedErrorHeaders = ["retry-after", "retry-after-ms", "x-should-retry", "x-request-id", "request-id"];

    /// <summary>Sends the body; returns the 2xx response (the caller disposes it) with its body still unread.</summary>
    /// <exception cref="ProviderException">an error status, or the connection failed.</exception>
    public async Task<HttpResponseMessage> SendAsync(string provider, string path, byte[] body, bool stream, IHeaderDictionary agentHeaders, UpstreamSend send, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, UrlOf(provider, path)) { Content = new SentFlagContent(body, send) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
        Authorize(provider, request, agentHeaders);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException(provider, ProviderErrorKind.Network, $"connection {(send.Sent ? "broke" : "failed")}: {ex.InnerException?.Message ?? ex.Message}", null, ex)
            {
                MayHaveBeenBilled = send.Sent,
            };
        }

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return response;
        }

        using (response)
        {
            var errorBody = await ReadLimitedAsync(response, cancellationToken).ConfigureAwait(false);
            var headers = RelayedErrorHeaders
                .SelectMany(name => response.Headers.TryGetValues(name, out var values) ? values.Select(v => new KeyValuePair<string, string>(name, v)) : [])
                .ToList();
            var reply = new UpstreamErrorReply(status, response.Content.Headers.ContentType?.ToString(), errorBody, headers);
            var excerpt = Encoding.UTF8.GetString(errorBody, 0, Math.Min(errorBody.Length, 300));
            throw new ProviderException(provider, ProviderException.KindOf(status), $"HTTP {status}: {excerpt}", status, reply);
        }
    }

    /// <summary>The provider's URL for an API path (<c>chat/completions</c>, <c>v1/messages</c>, <c>v1/messages/count_tokens</c>).</summary>
    public Uri UrlOf(string provider, string path)
    {
        var baseUrl = provider switch
        {
            OpenAiChatProvider.ProviderName => settings.OpenAiBaseUrl,
            AnthropicMessagesProvider.ProviderName => settings.AnthropicBaseUrl,
            _ => throw new ArgumentException($"provider '{provider}' has no HTTP API to relay to", nameof(provider)),
        };
        return new Uri(baseUrl.TrimEnd('/') + "/" + path);
    }

    private void Authorize(string provider, HttpRequestMessage request, IHeaderDictionary agentHeaders)
    {
        if (provider == OpenAiChatProvider.ProviderName)
        {
            // Local servers (llama.cpp, Ollama) need no key: none is sent when none is set.
            if (settings.OpenAiApiKey is { Length: > 0 } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            CopyHeader(agentHeaders, request, "OpenAI-Beta");
            return;
        }

        if (settings.AnthropicApiKey is { Length: > 0 } anthropicKey)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", anthropicKey);
        }

        var version = agentHeaders["anthropic-version"].ToString();
        request.Headers.TryAddWithoutValidation("anthropic-version", version.Length > 0 ? version : DefaultAnthropicVersion);
        CopyHeader(agentHeaders, request, "anthropic-beta");
    }

    private static void CopyHeader(IHeaderDictionary from, HttpRequestMessage to, string name)
    {
        var value = from[name].ToString();
        if (value.Length > 0)
        {
            to.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return buffer[..total];
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>A body that says when it was handed to the connection whole (from then on the provider may bill the call).</summary>
    private sealed class SentFlagContent(byte[] body, UpstreamSend send) : ByteArrayContent(body)
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await base.SerializeToStreamAsync(stream, context, cancellationToken).ConfigureAwait(false);
            send.Sent = true;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await base.SerializeToStreamAsync(stream, context).ConfigureAwait(false);
            send.Sent = true;
        }
    }
}
