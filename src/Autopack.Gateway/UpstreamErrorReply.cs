namespace Autopack.Gateway;

/// <summary>
/// A provider's error answer (HTTP 4xx/5xx), kept to relay it to the agent as it came (its status, body and the
/// headers that steer a client's retries), carried as the inner exception of the classified
/// <see cref="Llm.Providers.ProviderException"/> that the provider's breaker counts.
/// </summary>
internal sealed class UpstreamErrorReply(int status, string? contentType, byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers)
    : Exception($"HTTP {status}")
{
    public int Status { get; } = status;

    public string? ContentType { get; } = contentType;

    public byte[] Body { get; } = body;

    /// <summary><c>retry-after</c>, <c>retry-after-ms</c>, <c>x-should-retry</c> and request ids, as the provider sent them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;
}
