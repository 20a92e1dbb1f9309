using System.CommandLine;
using Autopack.Cli.Commands;

namespace Autopack.Cli;

/// <summary>The <c>autopack</c> command tree.</summary>
public static class AutopackCli
{
    public static RootCommand Create(string workingDirectory)
    {
        var root = new RootCommand("Autopack: drives autonomous build runs with hard token budgets, circuit breakers and operator control files.");
        root.Add(DbCommands.Create(workingDirectory));
        root.Add(RunsCommands.Create(workingDirectory));
        root.Add(PhasesCommands.Create(workingDirectory));
        root.Add(UsageCommand.Create(workingDirectory));
        root.Add(ServeCommand.Create(workingDirectory));
        root.Add(ExecuteCommand.Create(workingDirectory));
        root.Add(BreakersCommands.Create(workingDirectory));
        root.Add(TidyCommand.Create(workingDirectory));
        root.Add(DemoCommand.Create(workingDirectory));
        root.Add(SampleCommand.Create(workingDirectory));
        root.Add(BackupCommands.Create(workingDirectory));
        root.Add(RestoreCommand.Create(workingDirectory));
        root.Add(WorkerCommand.Create(workingDirectory));
        root.Add(QueueCommands.Create(workingDirectory));
        root.Add(DrainCommand.Create(workingDirectory));
        return root;
    }
}
