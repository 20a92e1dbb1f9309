using System.Globalization;
using Autopack.Testing;

namespace Autopack.Worker.Tests;

/// <summary>
/// A migrated database, a runtime folder, the environment real <c>autopack worker</c> processes share (a 1 s heartbeat,
/// a 5 s stale limit), and a log every phase's verify command appends "start/end run time executor-pid" lines to.
/// </summary>
internal sealed class WorkerScenario : IDisposable
{
    public TestDatabase Db { get; } = new();

    public string VerifyLogPath => Path.Combine(Db.FolderPath, "verify.log");

    public Dictionary<string, string?> Environment(int offlineLatencyMs) => new()
    {
        ["AUTOPACK_DB"] = Db.Database.FullPath,
        ["AUTOPACK_RUNS_DIR"] = Db.RunsDirectory,
        ["AUTOPACK_BUILD_HISTORY"] = Path.Combine(Db.FolderPath, "docs", "BUILD_HISTORY.md"),
        ["AUTOPACK_OFFLINE_LATENCY_MS"] = offlineLatencyMs.ToString(CultureInfo.InvariantCulture),
        ["AUTOPACK_HEARTBEAT_SECONDS"] = "1",
        ["AUTOPACK_LEASE_STALE_SECONDS"] = "5",
        ["AUTOPACK_MAX_OUTPUT_TOKENS"] = "512",
        ["AUTOPACK_MIN_OUTPUT_TOKENS"] = "16",
    };

    /// <summary>
    /// A verify command that records when it ran and for which executor: its parent is the executor (the process
    /// runner execs /bin/sh through setsid), and a verify outlives an executor killed -9, so every start has its end.
    /// </summary>
    public string Verify(string runId) =>
        $"P=$PPID; echo \"start {runId} $(date +%s%N) $P\" >> '{VerifyLogPath}'; sleep 0.2; echo \"end {runId} $(date +%s%N) $P\" >> '{VerifyLogPath}'";

    public AutopackProcess StartWorker(int concurrency, int offlineLatencyMs, bool groupLeader = false)
    {
        string[] args = ["worker", "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)];
        return groupLeader
            ? AutopackProcess.StartGroupLeader(Db.FolderPath, Environment(offlineLatencyMs), args)
            : AutopackProcess.Start(Db.FolderPath, Environment(offlineLatencyMs), args);
    }

    /// <summary>The verify windows in the log: (run, executor pid, start ns, end ns or null).</summary>
    public IReadOnlyList<VerifyWindow> VerifyWindows()
    {
        var windows = new List<VerifyWindow>();
        if (!File.Exists(VerifyLogPath))
        {
            return windows;
        }

        foreach (var line in File.ReadAllLines(VerifyLogPath))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var (kind, run, at, pid) = (parts[0], parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
            if (kind == "start")
            {
                windows.Add(new VerifyWindow(run, pid, at, null));
            }
            else
            {
                var open = windows.FindIndex(w => w.RunId == run && w.ExecutorPid == pid && w.EndNs is null);
                Assert.That(open, Is.GreaterThanOrEqualTo(0), $"an end without a start: {line}");
                windows[open] = windows[open] with { EndNs = at };
            }
        }

        return windows;
    }

    /// <summary>Polls <paramref name="condition"/> (a database read, say) every 100 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (started.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition();
    }

    public string Text(string sql)
    {
        using var connection = Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString() ?? "<null>";
    }

    public long Scalar(string sql) => Db.Scalar(sql);

    public List<string> Column(string sql)
    {
        using var connection = Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.IsDBNull(0) ? "<null>" : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    public void Dispose() => Db.Dispose();
}
