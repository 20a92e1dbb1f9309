using System.CommandLine;
using Autopack.Storage.Runtime;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack phases timeout &lt;phase-id&gt;</c>.</summary>
public static class PhasesCommands
{
    public static Command Create(string cwd)
    {
        var phases = new Command("phases", "Control phases.");
        var phaseId = new Argument<string>("phase-id") { Description = "The phase." };
        var timeout = new Command("timeout", "Force the executing phase to time out now (writes .force_timeout).") { phaseId };
        CommandAction.Set(timeout, cwd, async (parse, ctx, ct) =>
        {
            var id = parse.GetRequiredValue(phaseId);
            var line = await ControlFileCommand.RequestAsync(ctx, new ControlCommand(ControlKind.Timeout, id), ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(line).ConfigureAwait(false);
            return 0;
        });
        phases.Add(timeout);
        return phases;
    }
}
