using Autopack.Domain.Budgets;
using Autopack.Executor.Calls;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tokens;
using Autopack.Storage.Budgets;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Support;

/// <summary>A migrated database with the ledger and a <see cref="BudgetedLlmClient"/> built the way the executor builds it.</summary>
public sealed class BudgetScenario : IAsyncDisposable
{
    public static readonly ResilienceOptions FastResilience = new()
    {
        // The breaker counts HTTP attempts: two calls of three failed attempts each open it.
        MinimumThroughput = 6,
        BreakDuration = TimeSpan.FromSeconds(1),
        MaxRetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(2),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    private readonly List<ProviderPipelines> pipelines = [];

    public BudgetScenario(int maxOutputTokens = 200, int minOutputTokens = 20)
    {
        Settings = new BudgetSettings { MaxOutputTokens = maxOutputTokens, MinOutputTokens = minOutputTokens };
        Ledger = new TokenLedger(Db.Database, TimeProvider.System);
    }

    public TestDatabase Db { get; } = new();

    public PromptTokenCounter Counter { get; } = new();

    public BudgetSettings Settings { get; }

    public TokenLedger Ledger { get; }

    public long Reservations => Db.Scalar("SELECT count(*) FROM token_reservations");

    public long UsageRows => Db.Scalar("SELECT count(*) FROM llm_usage_events");

    public BudgetedLlmClient Client(ILlmProvider provider, ResilienceOptions? resilience = null) =>
        Client([provider], resilience, out _);

    public BudgetedLlmClient Client(IReadOnlyList<ILlmProvider> providers, ResilienceOptions? resilience, out ProviderPipelines pipelinesUsed)
    {
        pipelinesUsed = new ProviderPipelines(providers.Select(p => p.Name), resilience ?? FastResilience, TimeProvider.System);
        pipelines.Add(pipelinesUsed);
        return new BudgetedLlmClient(Ledger, new ProviderCatalog(providers), pipelinesUsed, Settings);
    }

    public long UsedByPhase(string phaseId) =>
        Db.Scalar($"SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id = '{phaseId}'");

    public long UsedByRun(string runId) =>
        Db.Scalar($"SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = '{runId}'");

    public long Events(string kind, string? phaseId = null) => phaseId is null
        ? Db.Scalar($"SELECT count(*) FROM events WHERE kind = '{kind}'")
        : Db.Scalar($"SELECT count(*) FROM events WHERE kind = '{kind}' AND phase_id = '{phaseId}'");

    public async ValueTask DisposeAsync()
    {
        foreach (var p in pipelines)
        {
            await p.DisposeAsync();
        }

        Db.Dispose();
    }
}
