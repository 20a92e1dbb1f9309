using System.Text.Json;

namespace Autopack.Bench.Startup;

/// <summary>A fresh installation driven through the published autopack: migrate, create a run, execute it.</summary>
internal sealed class OfflineInstallation
{
    public OfflineInstallation(string folder, string autopack)
    {
        Directory.CreateDirectory(folder);
        Folder = folder;
        Autopack = autopack;
        Environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AUTOPACK_DB"] = System.IO.Path.Combine(folder, "autopack.db"),
            ["AUTOPACK_RUNS_DIR"] = System.IO.Path.Combine(folder, ".autonomous_runs"),
            ["AUTOPACK_BUILD_HISTORY"] = System.IO.Path.Combine(folder, "BUILD_HISTORY.md"),
            ["AUTOPACK_OFFLINE_LATENCY_MS"] = "0",
        };
    }

    public string Folder { get; }

    public string Autopack { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public Task MigrateAsync() => Timed.RunAsync(Autopack, ["db", "migrate"], Environment);

    /// <summary>Creates a one-phase run on the offline provider (not timed), then times <paramref name="executor"/> running it from start to exit.</summary>
    public async Task<double> OnePhaseRunAsync(string runId, string executor)
    {
        var plan = System.IO.Path.Combine(Folder, $"{runId}.json");
        await File.WriteAllTextAsync(plan, JsonSerializer.Serialize(new
        {
            run_id = runId,
            goal = "start-up benchmark",
            tiers = new[] { new { name = "t1", phases = new[] { new { phase_id = $"{runId}-p1", phase_name = "one", goal = "one phase", provider = "offline" } } } },
        }));
        await Timed.RunAsync(Autopack, ["runs", "create", "--file", plan], Environment);
        var elapsed = await Timed.RunAsync(executor, ["execute", "--run-id", runId], Environment);
        return Timed.LastOutput.Contains("DONE_SUCCESS", StringComparison.Ordinal)
            ? elapsed
            : throw new InvalidOperationException($"run {runId} did not end DONE_SUCCESS: {Timed.LastOutput}");
    }
}
