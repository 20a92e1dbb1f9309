using System.CommandLine;
using Autopack.Workspace.Processes;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack sample [dir]</c>: the sample repository examples/demo-plan.json works on.</summary>
public static class SampleCommand
{
    public static Command Create(string cwd)
    {
        var directory = new Argument<string>("dir") { Description = "The folder to create (must not exist or be empty).", DefaultValueFactory = _ => DemoCommand.SampleFolder };
        var command = new Command("sample", "Create the sample repository (a git repository with a failing test) that examples/demo-plan.json works on.") { directory };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var path = ctx.ResolvePath(parse.GetRequiredValue(directory));
            await SampleRepository.CreateAsync(path, new CommandRunner(), ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"created {path}: a git repository whose `sh test.sh` fails until GET /health exists").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
