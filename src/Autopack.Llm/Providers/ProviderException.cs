namespace Autopack.Llm.Providers;

/// <summary>A provider call failed; <see cref="Kind"/> classifies it.</summary>
public sealed class ProviderException(string provider, ProviderErrorKind kind, string message, int? statusCode = null, Exception? inner = null)
    : Exception($"{provider}: {message}", inner)
{
    public string Provider { get; } = provider;

    public ProviderErrorKind Kind { get; } = kind;

    public int? StatusCode { get; } = statusCode;

    /// <summary>Worth retrying and counted as a failure by the circuit breaker.</summary>
    public bool IsTransient => Kind is not ProviderErrorKind.ClientError;

    /// <summary>How long the provider asked us to wait (its <c>Retry-After</c> header), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The request reached the provider and no usage came back (a timeout after sending, a connection dropped
    /// mid-reply, a 2xx reply that is not the wire format): the provider may have billed it, so the budget is
    /// charged an estimate. False for an error status (providers do not bill those) and for a connection that
    /// never opened.
    /// </summary>
    public bool MayHaveBeenBilled { get; init; }

    /// <summary>The classification every provider shares for an HTTP error status (429, 408, 5xx, other 4xx).</summary>
    public static ProviderErrorKind KindOf(int status) => status switch
    {
        429 => ProviderErrorKind.RateLimited,
        408 => ProviderErrorKind.Timeout,
        >= 500 => ProviderErrorKind.ServerError,
        _ => ProviderErrorKind.ClientError,
    };
}
