using System.Data.Common;
using System.Globalization;
using Autopack.Domain.Plans;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Worker.Tests;

/// <summary>
/// A migrated database (a SQLite file, or a PostgreSQL database on the test cluster), a working folder with the runtime
/// folder, the environment real <c>autopack worker</c> processes share (a 1 s heartbeat, a 5 s stale limit), and a log
/// every phase's verify command appends "start/end run time executor-pid" lines to.
/// </summary>
internal sealed class WorkerScenario : IDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgresql";

    private readonly TestDatabase? sqlite;
    private readonly TestPostgresDatabase? postgres;
    private readonly TempDirectory? folder;

    /// <param name="engine"><see cref="Sqlite"/> or <see cref="Postgres"/> (ignored, saying why, without a test cluster).</param>
    public WorkerScenario(string engine = Sqlite)
    {
        if (engine == Postgres)
        {
            postgres = new TestPostgresDatabase();
            folder = new TempDirectory("autopack-pg-workers");
        }
        else
        {
            sqlite = new TestDatabase();
        }
    }

    public AutopackDatabase Database => sqlite?.Database ?? (AutopackDatabase)postgres!.Database;

    /// <summary>What AUTOPACK_DB says: the SQLite file's path or the PostgreSQL URL.</summary>
    public string DatabaseSetting => sqlite?.Database.FullPath ?? postgres!.Url;

    /// <summary>The workers' working folder.</summary>
    public string FolderPath => sqlite?.FolderPath ?? folder!.Path;

    public string RunsDirectory => Path.Combine(FolderPath, ".autonomous_runs");

    public string VerifyLogPath => Path.Combine(FolderPath, "verify.log");

    public Task<string> CreateRunAsync(RunPlan plan) => sqlite?.CreateRunAsync(plan) ?? postgres!.CreateRunAsync(plan);

    public Dictionary<string, string?> Environment(int offlineLatencyMs) => new()
    {
        ["AUTOPACK_DB"] = DatabaseSetting,
        ["AUTOPACK_RUNS_DIR"] = RunsDirectory,
        ["AUTOPACK_BUILD_HISTORY"] = Path.Combine(FolderPath, "docs", "BUILD_HISTORY.md"),
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
            ? AutopackProcess.StartGroupLeader(FolderPath, Environment(offlineLatencyMs), args)
            : AutopackProcess.Start(FolderPath, Environment(offlineLatencyMs), args);
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

    /// <summary>The first column of the first row as text ("&lt;null&gt;" for no row): the same SQL on either engine.</summary>
    public string Text(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString() ?? "<null>";
    }

    public long Scalar(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public List<string> Column(string sql)
    {
        using var connection = Open();
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

    public void Dispose()
    {
        sqlite?.Dispose();
        postgres?.Dispose();
        folder?.Dispose();
    }

    private DbConnection Open() => Database.OpenConnectionAsync().GetAwaiter().GetResult();
}
