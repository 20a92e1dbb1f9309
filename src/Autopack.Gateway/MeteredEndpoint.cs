using System.Net;
using Autopack.Domain.Budgets;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Relay;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autopack.Gateway;

/// <summary>
/// Autopack's metered endpoint for external agents (SPEC, "Any agent CLI as the builder"; ADR-037): Kestrel on
/// 127.0.0.1 at a port the OS picks, started by the executor when its first attempt asks for it and stopped with it.
/// Each attempt gets its own key (<see cref="StartAttemptAsync"/>), valid until the attempt stops. Serves OpenAI chat
/// completions (<c>POST /v1/chat/completions</c>) for a phase on <c>openai</c> and Anthropic Messages
/// (<c>POST /v1/messages</c>, <c>POST /v1/messages/count_tokens</c>) for a phase on <c>anthropic</c>, streaming
/// included, every request a budgeted call of the attempt's phase (<see cref="MeteredRelay"/>).
/// </summary>
public sealed class MeteredEndpoint : IAsyncDisposable
{
    /// <summary>The largest request body an agent may send (a long conversation with a few images fits).</summary>
    public const int MaxRequestBytes = 32 * 1024 * 1024;

    /// <summary>How long stopping an attempt waits for its requests in flight to settle after cancelling them.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    private readonly AttemptRegistry registry = new();
    private readonly SemaphoreSlim starting = new(1, 1);
    private readonly MeteredRelay relay;
    private readonly ProviderCatalog providers;
    private readonly ProviderPipelines pipelines;
    private readonly UpstreamClient upstream;
    private readonly HttpClient http;
    private readonly ILogger logger;
    private WebApplication? app;
    private string? baseUrl;
    private int disposed;

    public MeteredEndpoint(
        TokenLedger ledger,
        ProviderCatalog providers,
        ProviderPipelines pipelines,
        LlmSettings settings,
        BudgetSettings budget,
        ILogger<MeteredEndpoint> logger,
        HttpMessageHandler? upstreamHandler = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(budget);
        this.providers = providers;
        this.pipelines = pipelines;
        this.logger = logger;

        // One connection pool to the providers for the process; the pipeline's attempt timeout and the relay's idle
        // limit decide when to give up, so the client itself never does. No Accept-Encoding: streams are read as sent.
        http = new HttpClient(upstreamHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        upstream = new UpstreamClient(http, settings);
        relay = new MeteredRelay(ledger, providers, pipelines, upstream, budget, logger);
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c> once started; null before.</summary>
    public string? BaseUrl => baseUrl;

    /// <summary>
    /// Opens the endpoint to one attempt (starting the server on first use): a new key, valid until the returned
    /// gateway stops. Every request with it is charged to <paramref name="attempt"/>'s phase and forwarded to its
    /// provider with <paramref name="attempt"/>'s model (the provider's configured model when null).
    /// </summary>
    /// <exception cref="ArgumentException">the provider is not <c>openai</c> or <c>anthropic</c> (the offline model has no HTTP API).</exception>
    public async Task<AttemptGateway> StartAttemptAsync(GatewayAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var api = attempt.Provider switch
        {
            OpenAiChatProvider.ProviderName => WireApi.ChatCompletions,
            AnthropicMessagesProvider.ProviderName => WireApi.Messages,
            _ => throw new ArgumentException(
                $"provider '{attempt.Provider}' cannot serve an external builder: the metered endpoint relays to '{OpenAiChatProvider.ProviderName}' or '{AnthropicMessagesProvider.ProviderName}'",
                nameof(attempt)),
        };
        if (!pipelines.Names.Contains(attempt.Provider))
        {
            throw new ArgumentException($"no pipeline is registered for provider '{attempt.Provider}'", nameof(attempt));
        }

        var model = string.IsNullOrWhiteSpace(attempt.Model) ? providers.Get(attempt.Provider).Model : attempt.Model;
        var url = await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var session = new AttemptSession(attempt, api, model);
        registry.Add(session);
        logger.LogInformation("metered endpoint: attempt of phase {PhaseId} served at {Url} ({Provider}, model {Model})", attempt.PhaseId, url, attempt.Provider, model);
        return new AttemptGateway(this, session, url);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        // Attempts still open (an executor stopping mid-attempt): their requests end and settle before the server goes.
        foreach (var session in registry.All())
        {
            await StopAttemptAsync(session).ConfigureAwait(false);
        }

        if (app is not null)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        http.Dispose();
        starting.Dispose();
    }

    internal async Task StopAttemptAsync(AttemptSession session)
    {
        if (!session.BeginStop())
        {
            return;
        }

        registry.Remove(session);
        try
        {
            await session.DrainAsync(DrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("metered endpoint: requests of phase {PhaseId} still in flight {Seconds}s after the attempt stopped", session.Target.PhaseId, DrainLimit.TotalSeconds);
        }

        var usage = session.Usage;
        logger.LogInformation(
            "metered endpoint: attempt of phase {PhaseId} ended: {Requests} requests, {Refused} refused, {Tokens} tokens charged",
            session.Target.PhaseId, usage.Requests, usage.Refused, usage.TokensCharged);
        session.Dispose();
    }

    private async Task<string> EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (baseUrl is { } started)
        {
            return started;
        }

        await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (baseUrl is null)
            {
                var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
                builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
                {
                    kestrel.Listen(IPAddress.Loopback, 0);
                    kestrel.AddServerHeader = false;
                    kestrel.Limits.MaxRequestBodySize = MaxRequestBytes;
                });
                builder.Services.AddRoutingCore();
                var web = builder.Build();
                GatewayRoutes.Map(web, registry, relay, pipelines, upstream, providers, logger);
                await web.StartAsync(cancellationToken).ConfigureAwait(false);
                var address = web.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
                app = web;
                baseUrl = address.TrimEnd('/');
            }

            return baseUrl;
        }
        finally
        {
            starting.Release();
        }
    }
}
