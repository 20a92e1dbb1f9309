using Autopack.Domain.Budgets;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Autopack.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autopack.Gateway.Tests.Support;

/// <summary>
/// A migrated database with one run and phase, a <see cref="ProviderStandIn"/> on loopback as both providers (its
/// URLs and the real keys in the settings, as an operator configures them), and the metered endpoint built as the
/// executor builds it.
/// </summary>
public sealed class GatewayScenario : IAsyncDisposable
{
    public const string RunId = "gw-run";
    public const string PhaseId = "gw-p1";
    public const string OpenAiKey = "sk-real-openai-key-never-for-agents";
    public const string AnthropicKey = "sk-ant-real-anthropic-key-never-for-agents";

    public static readonly ResilienceOptions Resilience = new()
    {
        MinimumThroughput = 100,
        BreakDuration = TimeSpan.FromSeconds(30),
        MaxRetryAttempts = 1,
        AttemptTimeout = TimeSpan.FromSeconds(20),
    };

    private GatewayScenario(ProviderStandIn standIn, LlmSettings settings, BudgetSettings budget, ResilienceOptions resilience)
    {
        StandIn = standIn;
        Ledger = new TokenLedger(Db.Database, TimeProvider.System);
        Pipelines = new ProviderPipelines([OpenAiChatProvider.ProviderName, AnthropicMessagesProvider.ProviderName], resilience, TimeProvider.System);
        var providers = new ProviderCatalog([
            new OpenAiChatProvider(new HttpClient { BaseAddress = new Uri(settings.OpenAiBaseUrl + "/") }, "gpt-configured", OpenAiKey),
            new AnthropicMessagesProvider(new HttpClient { BaseAddress = new Uri(settings.AnthropicBaseUrl + "/") }, "claude-configured", AnthropicKey),
        ]);
        Endpoint = new MeteredEndpoint(Ledger, providers, Pipelines, settings, budget, NullLogger<MeteredEndpoint>.Instance);
    }

    public TestDatabase Db { get; } = new();

    public ProviderStandIn StandIn { get; }

    public TokenLedger Ledger { get; }

    public ProviderPipelines Pipelines { get; }

    public MeteredEndpoint Endpoint { get; }

    public long Reservations => Db.Scalar("SELECT count(*) FROM token_reservations");

    public long UsageRows => Db.Scalar("SELECT count(*) FROM llm_usage_events");

    public long EstimatedRows => Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1");

    public long PhaseUsed => Db.Scalar($"SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id = '{PhaseId}'");

    public long RunUsed => Db.Scalar($"SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = '{RunId}'");

    public static async Task<GatewayScenario> StartAsync(
        long phaseCap = 100_000, long runCap = 1_000_000, int maxOutputTokens = 4096, int minOutputTokens = 64, ResilienceOptions? resilience = null)
    {
        var standIn = await ProviderStandIn.StartAsync();
        var settings = new LlmSettings
        {
            OpenAiBaseUrl = standIn.BaseUrl + "/v1",
            OpenAiApiKey = OpenAiKey,
            AnthropicBaseUrl = standIn.BaseUrl,
            AnthropicApiKey = AnthropicKey,
        };
        var budget = new BudgetSettings { MaxOutputTokens = maxOutputTokens, MinOutputTokens = minOutputTokens };
        var scenario = new GatewayScenario(standIn, settings, budget, resilience ?? Resilience);
        await scenario.Db.CreateRunAsync(new PlanBuilder(RunId, runCap).Phase(PhaseId, cap: phaseCap).Build());
        return scenario;
    }

    /// <summary>Opens the endpoint to an attempt of the scenario's phase on <paramref name="provider"/>.</summary>
    public Task<AttemptGateway> AttemptAsync(string provider, string? model = null) =>
        Endpoint.StartAttemptAsync(new GatewayAttempt(RunId, PhaseId, PhaseId, provider, model, "owner-1"), CancellationToken.None);

    /// <summary>The usage rows as "role model prompt completion estimated", oldest first.</summary>
    public IReadOnlyList<string> Rows()
    {
        using var connection = Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT role, model, prompt_tokens, completion_tokens, estimated FROM llm_usage_events ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetInt64(2)} {reader.GetInt64(3)} {reader.GetInt64(4)}");
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Endpoint.DisposeAsync();
        await Pipelines.DisposeAsync();
        await StandIn.DisposeAsync();
        Db.Dispose();
    }
}
