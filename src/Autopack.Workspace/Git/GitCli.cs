using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Git;

/// <summary>
/// Runs the git CLI the same way everywhere: no system or global config (a run behaves the same on every
/// machine and needs no identity set up), Autopack's identity, no prompts, no pager, no colours, no automatic gc
/// in the operator's repository, and none of the GIT_DIR-style variables a hook environment might leak in.
/// </summary>
internal sealed class GitCli(CommandRunner runner)
{
    public const string AuthorName = "Autopack";
    public const string AuthorEmail = "autopack@localhost";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly string[] Settings =
    [
        "-c", $"user.name={AuthorName}",
        "-c", $"user.email={AuthorEmail}",
        "-c", "init.defaultBranch=main",
        "-c", "commit.gpgSign=false",
        "-c", "core.quotePath=false",
        "-c", "color.ui=false",
        "-c", "gc.auto=0",
        "-c", "maintenance.auto=false",
        "-c", "advice.detachedHead=false",
    ];

    private static readonly Dictionary<string, string?> Environment = CommandRunner.EnvironmentFor(
        new Dictionary<string, string?>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_PAGER"] = "cat",
            ["GIT_EDITOR"] = "true",
            ["LC_ALL"] = "C",
            ["GIT_AUTHOR_NAME"] = AuthorName,
            ["GIT_AUTHOR_EMAIL"] = AuthorEmail,
            ["GIT_COMMITTER_NAME"] = AuthorName,
            ["GIT_COMMITTER_EMAIL"] = AuthorEmail,
            ["GIT_DIR"] = null,
            ["GIT_WORK_TREE"] = null,
            ["GIT_INDEX_FILE"] = null,
            ["GIT_COMMON_DIR"] = null,
            ["GIT_OBJECT_DIRECTORY"] = null,
            ["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = null,
            ["GIT_CEILING_DIRECTORIES"] = null,
        },
        scrubSecrets: true);

    // Subcommands that run no hooks: nothing they start can outlive them, so they are started directly. Everything
    // else (commit, worktree add: hooks of the operator's repository) gets a process group of its own (setsid), so a
    // timeout kills whatever a hook left behind. The extra exec was a third of each git call's cost (ADR-034).
    private static readonly HashSet<string> NoHookSubcommands =
        new(StringComparer.Ordinal) { "rev-parse", "symbolic-ref", "diff", "log", "add", "branch", "for-each-ref", "init", "reset", "clean", "status" };

    /// <summary>Runs git in <paramref name="directory"/>; a failure is returned, not thrown.</summary>
    public async Task<GitOutput> RunAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var standardOutput = new OutputCapture(int.MaxValue);
        var standardError = new OutputCapture(16_000);
        var outcome = await runner.ExecuteAsync(
            "git",
            [.. Settings, .. arguments],
            directory,
            Timeout,
            Environment,
            standardOutput.CreateTarget(),
            standardError.CreateTarget(),
            cancellationToken,
            ownProcessGroup: arguments.Count == 0 || !NoHookSubcommands.Contains(arguments[0])).ConfigureAwait(false);
        return new GitOutput(arguments, outcome.TimedOut ? null : outcome.ExitCode, standardOutput.Snapshot().Text, standardError.Snapshot().Text);
    }

    /// <summary>Runs git and returns its stdout; a failure throws <see cref="GitException"/>.</summary>
    public async Task<string> RunCheckedAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var output = await RunAsync(directory, arguments, cancellationToken).ConfigureAwait(false);
        return output.Succeeded ? output.StandardOutput : throw output.Failure();
    }
}
