using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Autopack.Llm.Providers;

/// <summary>Sends a provider request and turns every failure into a classified <see cref="ProviderException"/>.</summary>
internal static class ProviderHttp
{
    private const int MaxErrorBodyChars = 300;

    public static async Task<JsonDocument> PostJsonAsync(
        HttpClient client, string provider, string path, object body, Action<HttpRequestMessage> addHeaders, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        addHeaders(request);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(provider, ProviderErrorKind.Timeout, "no answer before the HTTP client's timeout", null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException(provider, ProviderErrorKind.Network, $"connection failed: {ex.Message}", null, ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var kind = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => ProviderErrorKind.RateLimited,
                    HttpStatusCode.RequestTimeout => ProviderErrorKind.Timeout,
                    _ when status >= 500 => ProviderErrorKind.ServerError,
                    _ => ProviderErrorKind.ClientError,
                };
                var excerpt = text.Length > MaxErrorBodyChars ? text[..MaxErrorBodyChars] + "..." : text;
                throw new ProviderException(provider, kind, $"HTTP {status}: {excerpt}", status);
            }

            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new ProviderException(provider, ProviderErrorKind.MalformedResponse, $"reply is not JSON ({ex.Message})", (int)response.StatusCode, ex);
            }
        }
    }

    /// <summary>
    /// Follows <paramref name="path"/> (property names, or array indexes as "0") from <paramref name="root"/>,
    /// or throws MalformedResponse naming the path that is missing.
    /// </summary>
    public static JsonElement Path(string provider, JsonElement root, params string[] path)
    {
        var current = root;
        foreach (var step in path)
        {
            var found = int.TryParse(step, System.Globalization.CultureInfo.InvariantCulture, out var index)
                ? current.ValueKind == JsonValueKind.Array && index < current.GetArrayLength()
                : current.ValueKind == JsonValueKind.Object && current.TryGetProperty(step, out _);
            if (!found)
            {
                throw new ProviderException(provider, ProviderErrorKind.MalformedResponse, $"reply lacks {string.Join('.', path)}");
            }

            current = current.ValueKind == JsonValueKind.Array ? current[index] : current.GetProperty(step);
        }

        return current;
    }

    public static long Int64(string provider, JsonElement root, params string[] path)
    {
        var value = Path(provider, root, path);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0
            ? number
            : throw new ProviderException(provider, ProviderErrorKind.MalformedResponse, $"reply's {string.Join('.', path)} is not a token count");
    }

    public static string Text(string provider, JsonElement root, params string[] path)
    {
        var value = Path(provider, root, path);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ProviderException(provider, ProviderErrorKind.MalformedResponse, $"reply's {string.Join('.', path)} is not text");
    }
}
