using System.CommandLine;
using Autopack.Domain.Plans;
using Autopack.Executor.Hosting;
using Autopack.Llm;
using Autopack.Storage.Runs;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack execute --run-id</c>: drives one run to its end in this process.</summary>
public static class ExecuteCommand
{
    /// <param name="cwd">The working directory settings and relative paths are read against.</param>
    /// <param name="handOff">
    /// In a build without the Anthropic SDK (the native front, ADR-045): runs the command line in the managed program
    /// instead, for a run with an Anthropic phase; returns only if that failed, with the exit code.
    /// </param>
    public static Command Create(string cwd, Func<int>? handOff = null)
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

            var database = ctx.MigratedDatabase();
            if (!LlmFeatures.AnthropicSdk && handOff is not null && await new RunStore(database, ctx.Time).UsesProviderAsync(id, ProviderNames.Anthropic, ct).ConfigureAwait(false))
            {
                return handOff();
            }

            var outcome = await ExecutorHost.RunAsync(ctx.ResolvedSettings.Executor, id, ct).ConfigureAwait(false);
            await (outcome.ExitCode == 0 ? ctx.Out : ctx.Error).WriteLineAsync(outcome.ExitCode == 0 ? outcome.Message : $"error: {outcome.Message}").ConfigureAwait(false);
            return outcome.ExitCode;
        });
        return command;
    }
}
