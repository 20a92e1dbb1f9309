using System.CommandLine;

namespace Autopack.Cli;

/// <summary>How every autopack command line is invoked, by the managed program and by the native front alike.</summary>
public static class CliInvocation
{
    /// <summary>
    /// How long a command may take to end after SIGTERM or Ctrl+C cancelled it. System.CommandLine's default (2 s)
    /// would end an executor's graceful stop (record the attempt, reset the worktree, mark the run PAUSED, release
    /// the lease) with exit 143 on a loaded machine; the executor host's own shutdown timeout (15 s) fits inside this.
    /// </summary>
    public static readonly TimeSpan TerminationTimeout = TimeSpan.FromSeconds(30);

    public static Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TerminationTimeout });
    }
}
