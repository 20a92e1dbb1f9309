using System.CommandLine;
using Autopack.Cli.Commands;

namespace Autopack.Cli;

/// <summary>
/// The published <c>autopack</c> (ADR-045): <c>autopack execute</c> runs here, compiled ahead of time, so an executor
/// starts like a small native program; <c>autopack backup</c> and <c>backup prune</c>, the commands cron runs, run here
/// too, without the managed runtime's start (ADR-047). Any other command line is handed, unchanged and in the same process (exec), to <c>autopack-managed</c>
/// beside this file, the .NET program with every command. So is a run with an Anthropic phase: this build leaves the
/// Anthropic SDK out (it needs reflection Native AOT lacks; see <c>LlmFeatures</c>).
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        if (args is ["execute", ..])
        {
            var execute = ExecuteCommand.Create(Directory.GetCurrentDirectory(), handOff: () => ManagedProgram.Exec(args, Console.Error));
            var root = new RootCommand("Autopack's executor: drives one run to its end.") { execute };
            return CliInvocation.InvokeAsync(root, args);
        }

        if (args is ["backup", ..])
        {
            var root = new RootCommand("Autopack's backup: the installation in one .tar.gz.") { BackupCommands.Create(Directory.GetCurrentDirectory()) };
            return CliInvocation.InvokeAsync(root, args);
        }

        return Task.FromResult(ManagedProgram.Exec(args, Console.Error));
    }
}
