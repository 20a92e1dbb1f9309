using System.Diagnostics;
using System.Globalization;
using System.Text;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>
/// Load against the real `autopack serve` process on loopback: GET /runs/{id}, GET /runs/{id}/usage over a run with
/// 100,000 usage rows, and POST /runs with a 100-phase plan, at 1 and 16 concurrent clients for a fixed time each.
/// The per-client rate limit is lifted for the measurement (AUTOPACK_RATE_LIMIT_PER_MINUTE).
/// </summary>
internal static class HttpLoad
{
    public static async Task RunAsync(TimeSpan each)
    {
        using var installation = new Installation();
        await installation.Db.CreateRunAsync(BigPlan("load-run", 50).Build());
        installation.Db.SeedUsage("load-run", phases: 50, rows: 100_000);

        var port = FreePort.Next();
        var env = installation.Environment(0, port);
        env["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "1000000";
        using var server = AutopackProcess.Start(installation.Folder, env, "serve");
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await server.WaitUntilReadyAsync(http);

        foreach (var clients in new[] { 1, 16 })
        {
            Report($"GET /runs/{{id}} (50 phases)", clients, await LoadAsync(clients, each, _ => http.GetAsync(new Uri("runs/load-run", UriKind.Relative))));
            Report($"GET /runs/{{id}}/usage (100k usage rows)", clients, await LoadAsync(clients, each, _ => http.GetAsync(new Uri("runs/load-run/usage", UriKind.Relative))));
            var counter = 0;
            Report($"POST /runs (100-phase plan)", clients, await LoadAsync(clients, each, _ =>
            {
                var id = $"post-{clients}-{Interlocked.Increment(ref counter)}";
                var content = new StringContent(PlanJson.Write(BigPlan(id, 100).Build()), Encoding.UTF8, "application/json");
                return http.PostAsync(new Uri("runs", UriKind.Relative), content);
            }));
        }
    }

    private static PlanBuilder BigPlan(string runId, int phases)
    {
        var plan = new PlanBuilder(runId);
        for (var i = 1; i <= phases; i++)
        {
            plan.Phase($"{runId}-p{i}", category: "implementation", verify: "true");
        }

        return plan;
    }

    private static async Task<(int Requests, int Failures, TimeSpan Elapsed, double[] LatenciesMs)> LoadAsync(int clients, TimeSpan duration, Func<int, Task<HttpResponseMessage>> send)
    {
        // Warm-up so JIT and first-query costs are not measured.
        for (var i = 0; i < 20; i++)
        {
            (await send(i)).Dispose();
        }

        var latencies = new List<double>[clients];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await send(c);
                await response.Content.ReadAsByteArrayAsync();
                mine.Add(Timing.Ms(start));
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all.Length, failures, clock.Elapsed, all);
    }

    private static void Report(string name, int clients, (int Requests, int Failures, TimeSpan Elapsed, double[] LatenciesMs) result)
    {
        var sorted = result.LatenciesMs;
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} x{clients} clients: {result.Requests / result.Elapsed.TotalSeconds:F0} req/s, median {P(0.5):F1} ms, p99 {P(0.99):F1} ms, {result.Failures} non-2xx of {result.Requests}"));
    }
}
