using System.CommandLine;
using Autopack.Worker;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack worker [--concurrency N]</c>: claims QUEUED runs and executes each as its own <c>autopack execute</c> until stopped.</summary>
public static class WorkerCommand
{
    public static Command Create(string cwd)
    {
        var concurrency = new Option<int>("--concurrency", "-c")
        {
            Description = $"How many runs this worker executes at once (1-{WorkerOptions.MaxConcurrency}).",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command(
            "worker",
            "Claim QUEUED runs oldest first (within the queue's dispatch switch, mode and executing_limit) and execute each as its own 'autopack execute' process; "
            + "SIGTERM stops claiming, pauses the runs and puts them back in the queue. Exit 0 after a graceful stop.")
        {
            concurrency,
        };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var slots = parse.GetValue(concurrency);
            if (slots is < 1 or > WorkerOptions.MaxConcurrency)
            {
                throw new CliException($"--concurrency: must be from 1 to {WorkerOptions.MaxConcurrency}, got {slots}", 2);
            }

            ctx.MigratedDatabase();
            var options = new WorkerOptions(slots, ctx.WorkingDirectory, ExecutorLauncher.ForCurrentProcess());
            var outcome = await WorkerHost.RunAsync(new WorkerSettings(ctx.ResolvedSettings.Executor.Storage, ctx.Settings.Executor.HeartbeatSeconds), options, ct).ConfigureAwait(false);
            await (outcome.ExitCode == 0 ? ctx.Out : ctx.Error).WriteLineAsync(outcome.ExitCode == 0 ? outcome.Message : $"error: {outcome.Message}").ConfigureAwait(false);
            return outcome.ExitCode;
        });
        return command;
    }
}
