using System.Diagnostics;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>Cold start to ready: an executor until it holds its lease, a server until /ready answers 200.</summary>
internal static class ColdStart
{
    public static async Task<(IReadOnlyList<double> Executor, IReadOnlyList<double> Server)> MeasureAsync(int rounds)
    {
        var executor = new List<double>();
        var server = new List<double>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var round = 0; round < rounds; round++)
        {
            using var installation = new Installation();
            var runId = $"cold-{round}";
            await installation.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-p").Build());

            var start = Stopwatch.GetTimestamp();
            using (var process = AutopackProcess.Start(installation.Folder, installation.Environment(60_000), "execute", "--run-id", runId))
            {
                await process.WaitForOutputAsync(o => o.Contains("holds run", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                executor.Add(Timing.Ms(start));
            }

            var port = FreePort.Next();
            start = Stopwatch.GetTimestamp();
            using var serve = AutopackProcess.Start(installation.Folder, installation.Environment(0, port), "serve");
            while (Timing.Ms(start) < 30_000)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ready"));
                    if (response.IsSuccessStatusCode)
                    {
                        server.Add(Timing.Ms(start));
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(5);
            }
        }

        return (executor, server);
    }
}
