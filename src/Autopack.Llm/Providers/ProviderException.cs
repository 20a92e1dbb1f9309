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
}
