using System.CommandLine;
using Autopack.Storage.Runtime;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack tidy</c>: consolidates docs/BUILD_HISTORY.md without losing an entry.</summary>
public static class TidyCommand
{
    public static Command Create(string cwd)
    {
        var command = new Command("tidy", "Consolidate docs/BUILD_HISTORY.md (conflict markers removed, duplicate entries merged, sorted) without losing an entry.");
        CommandAction.Set(command, cwd, async (_, ctx, _) =>
        {
            var ledger = new BuildHistoryLedger(ctx.ResolvePath(ctx.Storage.BuildHistoryPath));
            if (!File.Exists(ledger.Path))
            {
                await ctx.Out.WriteLineAsync($"no build history at {ledger.Path}; nothing to tidy").ConfigureAwait(false);
                return 0;
            }

            var report = ledger.Tidy();
            await ctx.Out.WriteLineAsync(
                $"{ledger.Path}: {report.EntriesAfter} entries ({report.DuplicatesRemoved} duplicates merged, {report.ConflictMarkersRemoved} conflict markers removed)").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
