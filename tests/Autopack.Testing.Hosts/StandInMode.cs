namespace Autopack.Testing;

/// <summary>How <see cref="ProviderStandIn"/> answers one request.</summary>
public enum StandInMode
{
    /// <summary>A reply (or stream) with text and a tool call, and usage (in a stream: when asked for, as the real APIs do).</summary>
    Ok,

    /// <summary>A reply (or stream) without any usage.</summary>
    NoUsage,

    /// <summary>HTTP 500 with an error body in the API's format.</summary>
    ServerError,

    /// <summary>HTTP 429 with <c>retry-after: 7</c>.</summary>
    RateLimited,

    /// <summary>HTTP 401 whose message quotes the key, as OpenAI's does.</summary>
    Unauthorized,

    /// <summary>Reads the request, then never answers.</summary>
    Hang,

    /// <summary>Starts the reply (a stream: its first five events, text among them), then drops the connection.</summary>
    Cut,

    /// <summary>Reports usage far beyond anything reserved (a broken or hostile provider).</summary>
    AbsurdUsage,

    /// <summary>No such endpoint (404), as a provider without count_tokens answers.</summary>
    NotFound,
}
