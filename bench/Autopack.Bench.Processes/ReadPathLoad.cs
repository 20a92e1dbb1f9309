using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>
/// The read path side by side (issue 14): a bare minimal API (bench/Autopack.Bench.BareApi, same JSON shape) and
/// the real `autopack serve` over a database with a finished 3-phase run and 1,000,000 usage rows (`--usage-rows`), each driven by
/// <see cref="LoadGenerator"/> at 16 connections for a fixed time, taking turns so a neighbour's load hits both
/// alike. Data requests' rate limit is lifted (AUTOPACK_RATE_LIMIT_PER_MINUTE); probes are exempt from it anyway.
/// </summary>
internal static class ReadPathLoad
{
    private const string RunId = "read-run";
    private const int Connections = 16;

    public static async Task RunAsync(TimeSpan each, int rounds, int usageRows)
    {
        using var installation = new Installation();
        await SeedAsync(installation, usageRows);
        await ReadPathProfile.RunAsync(installation.Db.Database, RunId);
        var serverPort = FreePort.Next();
        var env = installation.Environment(0, serverPort);
        env["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "1000000";
        using var server = AutopackProcess.Start(installation.Folder, env, "serve");
        var barePort = FreePort.Next();
        using var bare = StartBare(barePort);
        try
        {
            using var serverLoad = new LoadGenerator(new Uri($"http://127.0.0.1:{serverPort}/"), Connections);
            using var bareLoad = new LoadGenerator(new Uri($"http://127.0.0.1:{barePort}/"), Connections);
            await serverLoad.WaitReadyAsync(() => server.HasExited ? server.Error : null);
            await bareLoad.WaitReadyAsync(() => bare.HasExited ? "bare API exited" : null);
            await CompareShapeAsync(serverLoad, bareLoad, $"runs/{RunId}");
            await CompareShapeAsync(serverLoad, bareLoad, "health");

            for (var round = 1; round <= rounds; round++)
            {
                foreach (var path in new[] { $"runs/{RunId}", "health" })
                {
                    var baseline = await bareLoad.RunAsync(path, each);
                    var measured = await serverLoad.RunAsync(path, each);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round} GET /{path} x{Connections}: bare {baseline} | autopack {measured} | ratio {measured.RequestsPerSecond / baseline.RequestsPerSecond:F2}"));
                }
            }

            Console.WriteLine($"GET /dashboard/api/runs/{RunId} (EF Core + usage-row sums, the old read path) x{Connections}: {await serverLoad.RunAsync($"dashboard/api/runs/{RunId}", each)}");
            Console.WriteLine($"GET /runs x{Connections}: {await serverLoad.RunAsync("runs", each)}");
            Console.WriteLine($"GET /metrics ({usageRows:N0} usage rows) x1 sequential: {await serverLoad.RunAsync("metrics", each, connections: 1)}");
            Console.WriteLine($"GET /metrics ({usageRows:N0} usage rows) x{Connections}: {await serverLoad.RunAsync("metrics", each)}");
            Console.WriteLine($"log file after the bench: {new FileInfo(env["AUTOPACK_LOG_PATH"]!).Length / 1024.0:F1} KiB");
        }
        finally
        {
            bare.Kill(entireProcessTree: true);
        }
    }

    private static Process StartBare(int port)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Autopack.Bench.BareApi.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--urls", $"http://127.0.0.1:{port}" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the bare API");
    }

    /// <summary>Fails the bench unless both answers have the same property names at the same places.</summary>
    private static async Task CompareShapeAsync(LoadGenerator server, LoadGenerator bare, string path)
    {
        var expected = Shape(await bare.GetStringAsync(path));
        var actual = Shape(await server.GetStringAsync(path));
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Console.WriteLine(missing.Count + extra.Count == 0
            ? $"shape of /{path}: same {expected.Count} property paths"
            : $"shape of /{path}: differs, missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
    }

    private static HashSet<string> Shape(string json)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string at)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    paths.Add($"{at}.{property.Name}");
                    Walk(property.Value, $"{at}.{property.Name}");
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, at + "[]");
                }
            }
        }

        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, "$");
        return paths;
    }

    /// <summary>A finished 3-phase run with its commits (1,000 usage rows), five queued runs, and the other usage rows over 1,000 other runs' phases.</summary>
    private static async Task SeedAsync(Installation installation, int usageRows)
    {
        await installation.Db.CreateRunAsync(new PlanBuilder(RunId).Phase($"{RunId}-p1").Phase($"{RunId}-p2").Phase($"{RunId}-p3").Build());
        for (var i = 1; i <= 5; i++)
        {
            await installation.Db.CreateRunAsync(new PlanBuilder($"queued-{i}").Phase($"queued-{i}-p1").Build());
        }

        var clock = Stopwatch.StartNew();
        using var connection = installation.Db.Database.Open();
        using (var finish = connection.CreateCommand())
        {
            finish.CommandText = $"""
                UPDATE phases SET status = 'COMPLETE', attempts = 1, started_at = created_at, finished_at = created_at,
                       commit_sha = substr('0123456789abcdef0123456789abcdef01234567', 1, 39) || position WHERE run_id = '{RunId}';
                UPDATE runs SET status = 'DONE_SUCCESS', started_at = created_at, finished_at = created_at WHERE run_id = '{RunId}';
                """;
            finish.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) VALUES ($r, $p, $p, 'offline', 'offline-deterministic-1', 'builder', 120, 40, '2026-11-25T10:00:00.000Z')";
        var run = insert.Parameters.Add("$r", Microsoft.Data.Sqlite.SqliteType.Text);
        var phase = insert.Parameters.Add("$p", Microsoft.Data.Sqlite.SqliteType.Text);
        for (var i = 0; i < usageRows; i++)
        {
            var id = i < 1000 ? RunId : $"history-{i % 1000:D4}";
            run.Value = id;
            phase.Value = i < 1000 ? $"{RunId}-p{(i % 3) + 1}" : $"{id}-p1";
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        Console.WriteLine($"seeded {usageRows:N0} usage rows in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
