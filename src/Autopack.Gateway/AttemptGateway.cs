namespace Autopack.Gateway;

/// <summary>
/// One attempt's access to the metered endpoint: the base URLs and the key an external builder is given
/// (<see cref="AgentEnvironment"/>), valid from <see cref="MeteredEndpoint.StartAttemptAsync"/> until
/// <see cref="StopAsync"/> (or dispose): then the key gets the provider's 401, requests in flight are cancelled, and
/// every reservation they held is settled or released before it returns.
/// </summary>
public sealed class AttemptGateway : IAsyncDisposable
{
    private readonly MeteredEndpoint endpoint;
    private readonly AttemptSession session;
    private int stopped;

    internal AttemptGateway(MeteredEndpoint endpoint, AttemptSession session, string baseUrl)
    {
        this.endpoint = endpoint;
        this.session = session;
        BaseUrl = baseUrl;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>: the endpoint, loopback only.</summary>
    public string BaseUrl { get; }

    /// <summary>What OpenAI clients take as their base URL (<c>OPENAI_BASE_URL</c>): <see cref="BaseUrl"/><c>/v1</c>.</summary>
    public string OpenAiBaseUrl => BaseUrl + "/v1";

    /// <summary>What Anthropic clients take as their base URL (<c>ANTHROPIC_BASE_URL</c>): <see cref="BaseUrl"/>.</summary>
    public string AnthropicBaseUrl => BaseUrl;

    /// <summary>The key valid for this attempt only, sent as <c>Authorization: Bearer</c> or <c>x-api-key</c>.</summary>
    public string Key => session.Key;

    public GatewayAttempt Attempt => session.Target;

    /// <summary>The model every request of this attempt is forwarded with (and recorded with, unless the provider names its own).</summary>
    public string Model => session.Model;

    /// <summary>Requests, refusals and tokens charged so far.</summary>
    public AttemptUsage Usage => session.Usage;

    /// <summary>
    /// The variables an agent gets (SPEC, "Any agent CLI as the builder"): the OpenAI and Anthropic base URLs and this
    /// attempt's key under every name their clients read, plus <c>AUTOPACK_MODEL</c> and <c>AUTOPACK_PROVIDER</c>
    /// (which model the endpoint forwards with, which API it speaks).
    /// </summary>
    public IReadOnlyDictionary<string, string> AgentEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OPENAI_BASE_URL"] = OpenAiBaseUrl,
        ["OPENAI_API_BASE"] = OpenAiBaseUrl,
        ["OPENAI_API_KEY"] = Key,
        ["ANTHROPIC_BASE_URL"] = AnthropicBaseUrl,
        ["ANTHROPIC_API_KEY"] = Key,
        ["ANTHROPIC_AUTH_TOKEN"] = Key,
        ["AUTOPACK_MODEL"] = Model,
        ["AUTOPACK_PROVIDER"] = session.Target.Provider,
    };

    /// <summary>The names in <see cref="AgentEnvironment"/> that carry the key (secret-looking names passed on purpose).</summary>
    public static IReadOnlySet<string> KeyVariables { get; } = new HashSet<string>(StringComparer.Ordinal) { "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN" };

    /// <summary>Ends the attempt's access; idempotent. Returns when no request of the attempt holds a reservation.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 0)
        {
            await endpoint.StopAttemptAsync(session).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
