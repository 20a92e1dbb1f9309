using System.Diagnostics;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>
/// Writes `timeout:&lt;phase&gt;` into .force_timeout (as echo does: open, write, close) while a real executor is in
/// a slow provider call, and times until the executor's log line saying it acted arrives on its stdout.
/// </summary>
internal static class ControlFileLatency
{
    /// <param name="samples">how many reactions to time.</param>
    /// <param name="program">a published autopack to run (e.g. the native front); null: the Release autopack.dll run by dotnet.</param>
    public static async Task<IReadOnlyList<double>> MeasureAsync(int samples, string? program = null)
    {
        var latencies = new List<double>();
        var runNumber = 0;
        while (latencies.Count < samples)
        {
            using var installation = new Installation();
            var runId = $"latency-{++runNumber}";
            await installation.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-p", maxAttempts: 20).Build());
            using var executor = AutopackProcess.StartProgram(program, installation.Folder, installation.Environment(60_000), "execute", "--run-id", runId);
            var file = Path.Combine(installation.RunsDirectory, ".force_timeout");
            for (var attempt = 1; attempt < 20 && latencies.Count < samples; attempt++)
            {
                var executing = $"attempt {attempt}/20";
                if (!await executor.WaitForOutputAsync(o => o.Contains(executing, StringComparison.Ordinal), TimeSpan.FromSeconds(30)))
                {
                    throw new InvalidOperationException($"executor never reached {executing}: {executor.Output}{executor.Error}");
                }

                await Task.Delay(100);
                var acted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                void OnLine(string line)
                {
                    if (line.Contains("control file .force_timeout", StringComparison.Ordinal))
                    {
                        acted.TrySetResult();
                    }
                }

                executor.LineReceived += OnLine;
                var start = Stopwatch.GetTimestamp();
                await File.WriteAllTextAsync(file, $"timeout:{runId}-p\n");
                await acted.Task.WaitAsync(TimeSpan.FromSeconds(10));
                var elapsed = Timing.Ms(start);
                executor.LineReceived -= OnLine;
                latencies.Add(elapsed);
            }

            await File.WriteAllTextAsync(Path.Combine(installation.RunsDirectory, ".abort_run"), $"abort:{runId}\n");
            await executor.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }

        return latencies;
    }
}
