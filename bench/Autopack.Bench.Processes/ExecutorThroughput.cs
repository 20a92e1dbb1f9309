using System.Diagnostics;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>Executor overhead per phase: a plan of many phases on the offline provider at zero latency.</summary>
internal static class ExecutorThroughput
{
    public static async Task<(int Phases, TimeSpan Elapsed)> MeasureAsync(int phases)
    {
        using var installation = new Installation();
        var plan = new PlanBuilder("throughput-1");
        for (var i = 1; i <= phases; i++)
        {
            plan.Phase($"throughput-1-p{i}");
        }

        await installation.Db.CreateRunAsync(plan.Build());
        using var executor = AutopackProcess.Start(installation.Folder, installation.Environment(0), "execute", "--run-id", "throughput-1");
        if (!await executor.WaitForOutputAsync(o => o.Contains("attempt 1/3", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException(executor.Output + executor.Error);
        }

        // Timed from the first phase starting to the run ending, so process start-up is not counted.
        var start = Stopwatch.GetTimestamp();
        await executor.WaitForExitAsync(TimeSpan.FromMinutes(5));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var status = installation.Scalar("SELECT status FROM runs WHERE run_id='throughput-1'");
        if (status != "DONE_SUCCESS")
        {
            throw new InvalidOperationException($"run ended {status}: {executor.Error}");
        }

        return (phases, elapsed);
    }
}
