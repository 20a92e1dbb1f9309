using System.CommandLine;
using Autopack.Domain.Plans;
using Autopack.Executor.Hosting;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack execute --run-id</c>: drives one run to its end in this process.</summary>
public static class ExecuteCommand
{
    public static Command Create(string cwd)
    {
        var runId = new Option<string>("--run-id") { Description = "The run to drive.", Required = true };
        var command = new Command("execute", "Drive one run through its tiers and phases to its end (exit 0: DONE_SUCCESS, PAUSED or ABORTED).") { runId };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var id = parse.GetRequiredValue(runId);
            if (!Identifiers.IsSafe(id))
            {
                throw new CliException($"--run-id: '{id}' is not a valid run id", 2);
            }

            ctx.MigratedDatabase();
            var outcome = await ExecutorHost.RunAsync(ctx.ResolvedSettings.Executor, id, ct).ConfigureAwait(false);
            await (outcome.ExitCode == 0 ? ctx.Out : ctx.Error).WriteLineAsync(outcome.ExitCode == 0 ? outcome.Message : $"error: {outcome.Message}").ConfigureAwait(false);
            return outcome.ExitCode;
        });
        return command;
    }
}
