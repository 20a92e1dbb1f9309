namespace Autopack.Llm.Providers;

/// <summary>How a provider call failed; decides whether it is retried and counted by the breaker.</summary>
public enum ProviderErrorKind
{
    /// <summary>HTTP 429.</summary>
    RateLimited,

    /// <summary>HTTP 5xx (and Anthropic's 529 overloaded).</summary>
    ServerError,

    /// <summary>No answer in time (HTTP 408, or the client gave up).</summary>
    Timeout,

    /// <summary>The connection failed.</summary>
    Network,

    /// <summary>A 2xx answer that is not the wire format (bad JSON, missing fields).</summary>
    MalformedResponse,

    /// <summary>HTTP 4xx other than 408/429: our request or credentials are wrong; retrying will not help.</summary>
    ClientError,
}
