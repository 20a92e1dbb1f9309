using System.CommandLine;
using Autopack.Storage.Runs;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack usage --run-id</c>: tokens by phase, provider and model, against caps.</summary>
public static class UsageCommand
{
    public static Command Create(string cwd)
    {
        var runId = new Option<string>("--run-id") { Description = "The run.", Required = true };
        var command = new Command("usage", "Token usage of a run by phase, provider and model, against caps.") { runId };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var usage = await new UsageQueries(ctx.MigratedDatabase()).GetRunUsageAsync(parse.GetRequiredValue(runId), ct).ConfigureAwait(false);
            var o = ctx.Out;
            await o.WriteLineAsync($"run {usage.RunId}: {usage.TotalTokens} of {usage.TokenCap} tokens ({Percent(usage.TotalTokens, usage.TokenCap)}), {usage.Calls} calls").ConfigureAwait(false);
            await o.WriteLineAsync("by phase:").ConfigureAwait(false);
            foreach (var p in usage.Phases)
            {
                await o.WriteLineAsync($"  {p.PhaseId,-32} {p.PhaseName,-24} {p.TotalTokens,10} / {p.TokenCap,-10} {Percent(p.TotalTokens, p.TokenCap),6}  prompt {p.PromptTokens} completion {p.CompletionTokens}").ConfigureAwait(false);
            }

            await o.WriteLineAsync("by provider:").ConfigureAwait(false);
            foreach (var g in usage.Providers)
            {
                await o.WriteLineAsync($"  {g.Name,-24} {g.TotalTokens,10}  ({g.Calls} calls)").ConfigureAwait(false);
            }

            await o.WriteLineAsync("by model:").ConfigureAwait(false);
            foreach (var g in usage.Models)
            {
                await o.WriteLineAsync($"  {g.Name,-24} {g.TotalTokens,10}  ({g.Calls} calls)").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static string Percent(long used, long cap) =>
        cap <= 0 ? "-" : (100.0 * used / cap).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
