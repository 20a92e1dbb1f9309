using System.Globalization;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>A throw-away installation: migrated database, runtime folder, environment for real processes.</summary>
internal sealed class Installation : IDisposable
{
    public TestDatabase Db { get; } = new();

    public string Folder => Db.FolderPath;

    public string RunsDirectory => Db.RunsDirectory;

    public Dictionary<string, string?> Environment(int offlineLatencyMs, int? port = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTOPACK_DB"] = Db.Database.FullPath,
            ["AUTOPACK_RUNS_DIR"] = RunsDirectory,
            ["AUTOPACK_BUILD_HISTORY"] = Path.Combine(Folder, "docs", "BUILD_HISTORY.md"),
            ["AUTOPACK_OFFLINE_LATENCY_MS"] = offlineLatencyMs.ToString(CultureInfo.InvariantCulture),
            ["AUTOPACK_LOG_PATH"] = Path.Combine(RunsDirectory, "autopack.jsonl"),
        };
        if (port is { } p)
        {
            env["AUTOPACK_PORT"] = p.ToString(CultureInfo.InvariantCulture);
        }

        return env;
    }

    public string Scalar(string sql)
    {
        using var connection = Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString() ?? string.Empty;
    }

    public void Dispose() => Db.Dispose();
}
