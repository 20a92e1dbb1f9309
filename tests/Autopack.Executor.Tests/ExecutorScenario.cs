using Autopack.Domain.Budgets;
using Autopack.Executor.Hosting;
using Autopack.Executor.Tests.Support;
using Autopack.Llm;
using Autopack.Storage;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Autopack.Executor.Tests;

/// <summary>A migrated database, a runtime folder and the settings (or environment) an executor needs to use them.</summary>
internal sealed class ExecutorScenario : IDisposable
{
    public TestDatabase Db { get; } = new();

    public string RunsDirectory => Db.RunsDirectory;

    public string HistoryPath => Path.Combine(Db.FolderPath, "docs", "BUILD_HISTORY.md");

    public ExecutorSettings Settings(int offlineLatencyMs = 0) => new()
    {
        Storage = new StorageSettings { DatabasePath = Db.Database.FullPath, RunsDirectory = RunsDirectory, BuildHistoryPath = HistoryPath, LeaseStaleSeconds = 3 },
        Budget = new BudgetSettings { MaxOutputTokens = 512, MinOutputTokens = 16 },
        Llm = new LlmSettings { OfflineLatencyMs = offlineLatencyMs },
        HeartbeatSeconds = 1,
    };

    /// <summary>
    /// <see cref="Settings"/> with the <c>openai</c> provider on a loopback stand-in: what an external builder's metered
    /// endpoint relays to, and what a phase on <c>openai</c> calls.
    /// </summary>
    public ExecutorSettings SettingsOn(ProviderStandIn standIn) => Settings() with
    {
        Llm = new LlmSettings { OpenAiBaseUrl = standIn.BaseUrl + "/v1", OpenAiApiKey = "sk-test-openai", OpenAiModel = "gpt-configured" },
    };

    /// <summary>The environment for a real `autopack execute` process on this scenario.</summary>
    public Dictionary<string, string?> Environment(int offlineLatencyMs = 0) => new()
    {
        ["AUTOPACK_DB"] = Db.Database.FullPath,
        ["AUTOPACK_RUNS_DIR"] = RunsDirectory,
        ["AUTOPACK_BUILD_HISTORY"] = HistoryPath,
        ["AUTOPACK_OFFLINE_LATENCY_MS"] = offlineLatencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AUTOPACK_HEARTBEAT_SECONDS"] = "1",
        ["AUTOPACK_LEASE_STALE_SECONDS"] = "3",
        ["AUTOPACK_MAX_OUTPUT_TOKENS"] = "512",
        ["AUTOPACK_MIN_OUTPUT_TOKENS"] = "16",
    };

    /// <summary>Starts a real `autopack execute` of <paramref name="runId"/>: <paramref name="program"/> (a published autopack, e.g. the native front) or, when null, the built autopack.dll.</summary>
    public AutopackProcess StartExecutor(string runId, int offlineLatencyMs = 0, string? program = null) =>
        AutopackProcess.StartProgram(program, Db.FolderPath, Environment(offlineLatencyMs), "execute", "--run-id", runId);

    /// <summary>Runs the executor host in this process to its end.</summary>
    public async Task<ExecutorOutcome> ExecuteInProcessAsync(string runId, int offlineLatencyMs = 0, Action<IServiceCollection>? configure = null, ExecutorSettings? settings = null)
    {
        using var host = ExecutorHost.Build(settings ?? Settings(offlineLatencyMs), runId, configure);
        var outcome = host.Services.GetRequiredService<ExecutorOutcome>();
        await host.StartAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.WaitForShutdownAsync(timeout.Token);
        }
        finally
        {
            await host.StopAsync();
        }

        return outcome;
    }

    public string RunStatus(string runId) => Text($"SELECT status FROM runs WHERE run_id = '{runId}'");

    public string PhaseStatus(string phaseId) => Text($"SELECT status FROM phases WHERE phase_id = '{phaseId}'");

    public string Text(string sql)
    {
        using var connection = Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString() ?? "<null>";
    }

    public void Dispose() => Db.Dispose();
}
