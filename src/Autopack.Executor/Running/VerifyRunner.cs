using Autopack.Workspace.Processes;

namespace Autopack.Executor.Running;

/// <summary>
/// Runs a phase's verify command with /bin/sh in the run's worktree through the one process runner: its own
/// timeout, the whole output in the attempt's log file, its tail kept for the auditor, no secrets in its
/// environment. Cancellation (abort, forced timeout) kills the whole process tree at once.
/// </summary>
public sealed class VerifyRunner(CommandRunner commands)
{
    private const int TailChars = 2000;

    public async Task<VerifyResult> RunAsync(string command, string workspace, TimeSpan timeout, string logPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var result = await commands.RunShellAsync(command, workspace, new CommandOptions(timeout, TailChars, logPath), cancellationToken).ConfigureAwait(false);
        return new VerifyResult(result.TimedOut ? null : result.ExitCode, result.TimedOut, result.Output, result.Duration);
    }
}
