using System.Diagnostics;
using System.Globalization;
using System.Net;
using Autopack.Api.Dashboard;
using Autopack.Api.Database;
using Autopack.Bench.Dashboard;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

// The dashboard with a large history, against the real `autopack serve` on 127.0.0.1. See README.md.
var options = BenchOptions.Parse(args);
var folder = new TempDirectory("autopack-bench-dashboard");
AutopackProcess? server = null;
try
{
    var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"machine: {Environment.ProcessorCount} cores, {memory:F1} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, SQLite {SqliteVersion()}"));
    var database = new SqliteDatabase(folder.Combine("autopack.db"));
    new DatabaseMigrator(database).MigrateUp();
    var now = TimeProvider.System.GetUtcNow().UtcDateTime;
    var history = HistoryBuilder.Build(database, options, now);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"history: {history.Runs} runs, {history.UsageRows:N0} usage rows, {history.EventRows:N0} events over {options.SpanHours} h, built in {history.BuildTime.TotalSeconds:F1} s; database {new FileInfo(database.FullPath).Length / (1024.0 * 1024):F0} MiB"));
    SqliteConnection.ClearAllPools();

    PrintQueryPlans(database, history.ExecutingRuns[^1]);

    var port = FreePort.Next();
    server = AutopackProcess.Start(folder.Path, new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["AUTOPACK_DB"] = database.FullPath,
        ["AUTOPACK_RUNS_DIR"] = folder.Combine(".autonomous_runs"),
        ["AUTOPACK_LOG_PATH"] = folder.Combine("autopack.jsonl"),
        ["AUTOPACK_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "1000000",
    }, "serve");
    using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    await WaitUntilReadyAsync(client, server);

    var executing = history.ExecutingRuns[^1];
    var old = "bench-00100";
    var oldestEventOfOld = Scalar(database, $"SELECT max(id) FROM events WHERE run_id = '{old}'");
    var endpoints = new (string Name, string Path)[]
    {
        ("dashboard page (HTML)", "/dashboard"),
        ("run page (HTML)", $"/dashboard/runs/{executing}"),
        ("script (largest asset)", "/dashboard/assets/run.js"),
        ("summary, first page", "/dashboard/api/summary?limit=25&offset=0"),
        ("summary, page 20", "/dashboard/api/summary?limit=25&offset=500"),
        ("summary, EXECUTING only", "/dashboard/api/summary?limit=25&status=EXECUTING"),
        ("run view (executing run)", $"/dashboard/api/runs/{executing}"),
        ("run view (old run)", $"/dashboard/api/runs/{old}"),
        ("older events of a run", $"/dashboard/api/runs/{old}/events?before={oldestEventOfOld}&limit=100"),
        ("usage over time, 1h", "/dashboard/api/usage-over-time?window=1h"),
        ("usage over time, 6h", "/dashboard/api/usage-over-time?window=6h"),
        ("usage over time, 24h", "/dashboard/api/usage-over-time?window=24h"),
        ("usage over a run's life", $"/dashboard/api/usage-over-time?run_id={executing}"),
        ("GET /runs", "/runs"),
        ("GET /runs, page 20", "/runs?limit=25&offset=500"),
        ("GET /runs/{run_id}", $"/runs/{executing}"),
    };

    Console.WriteLine();
    Console.WriteLine($"{options.Requests} sequential requests per endpoint after a warm-up (ms):");
    Console.WriteLine();
    Console.WriteLine("| endpoint | path | median | p90 | p99 | max | KiB |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
    foreach (var (name, path) in endpoints)
    {
        var latency = await LatencyProbe.MeasureAsync(client, name, path, options.Requests);
        Console.WriteLine(latency.Row());
    }
}
finally
{
    server?.Terminate();
    if (server is not null && !await server.WaitForExitAsync(TimeSpan.FromSeconds(15)))
    {
        Console.WriteLine("server did not stop on SIGTERM; killing it by its handle");
    }

    server?.Dispose();
    SqliteConnection.ClearAllPools();
    folder.Dispose();
    Console.WriteLine(Directory.Exists(folder.Path) ? $"warning: {folder.Path} left behind" : "benchmark database deleted");
}

static void PrintQueryPlans(SqliteDatabase database, string runId)
{
    var queries = new (string Name, string Sql)[]
    {
        ("usage over time, all runs", UsageTimeline.CommandText(forRun: false)),
        ("usage over time, one run", UsageTimeline.CommandText(forRun: true)),
        ("events of a run", EventPages.CommandText(forRun: true, before: false)),
        ("older events of a run", EventPages.CommandText(forRun: true, before: true)),
        ("newest events", EventPages.CommandText(forRun: false, before: false)),
        ("runs by status", StatusCounts.RunsCommandText),
        ("a page of runs", RunStore.ListCommandText(byStatus: false)),
        ("a page of runs in one status", RunStore.ListCommandText(byStatus: true)),
    };
    Console.WriteLine();
    Console.WriteLine("EXPLAIN QUERY PLAN:");
    using var connection = database.Open();
    foreach (var (name, sql) in queries)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var parameter in new[] { "$from", "$to", "$run", "$before", "$limit", "$offset", "$status" })
        {
            if (sql.Contains(parameter, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(parameter, parameter == "$run" ? runId : "1");
            }
        }

        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        Console.WriteLine($"- {name}: {string.Join("; ", details)}");
    }
}

static long Scalar(SqliteDatabase database, string sql)
{
    using var connection = database.Open();
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
}

static string SqliteVersion()
{
    using var connection = new SqliteConnection("Data Source=:memory:");
    connection.Open();
    return connection.ServerVersion;
}

static async Task WaitUntilReadyAsync(HttpClient client, AutopackProcess server)
{
    var started = Stopwatch.GetTimestamp();
    while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
    {
        if (server.HasExited)
        {
            throw new InvalidOperationException($"serve exited with {server.ExitCode}: {server.Output} {server.Error}");
        }

        try
        {
            using var response = await client.GetAsync(new Uri("/ready", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            // not listening yet
        }

        await Task.Delay(100);
    }

    throw new TimeoutException($"no /ready 200 within 60 s: {server.Output} {server.Error}");
}
