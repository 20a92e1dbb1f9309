using System.CommandLine;

namespace Autopack.Cli;

/// <summary>
/// The entry point. An explicit internal class rather than top-level statements: ASP.NET Core's generator makes a
/// top-level Program public, which would clash with the API's own Program in projects that reference both.
/// </summary>
internal static class Program
{
    /// <summary>
    /// How long a command may take to end after SIGTERM or Ctrl+C cancelled it. System.CommandLine's default (2 s)
    /// would end an executor's graceful stop (record the attempt, reset the worktree, mark the run PAUSED, release
    /// the lease) with exit 143 on a loaded machine; the executor host's own shutdown timeout (15 s) fits inside this.
    /// </summary>
    public static readonly TimeSpan TerminationTimeout = TimeSpan.FromSeconds(30);

    public static Task<int> Main(string[] args) =>
        AutopackCli.Create(Directory.GetCurrentDirectory()).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TerminationTimeout });
}
