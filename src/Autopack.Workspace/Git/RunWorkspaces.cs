using System.Text.RegularExpressions;
using Autopack.Workspace.Files;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Git;

/// <summary>
/// Checks a plan's workspace and opens each run's git worktree (<c>&lt;run folder&gt;/workspace</c> on the branch
/// <c>autopack/&lt;run-id&gt;</c>). Only branch refs and worktree registrations are ever added to the operator's
/// repository: its working tree, index, HEAD and other branches are never touched.
/// </summary>
public sealed partial class RunWorkspaces(CommandRunner runner)
{
    /// <summary>The scratch folders a run repository is made in, inside its folder (see InitialiseRunRepositoryAsync).</summary>
    internal const string InitScratchPrefix = ".git-init-";

    private readonly GitCli _git = new(runner);

    /// <summary>
    /// Checks the plan's workspace without changing anything. <paramref name="repository"/> is absolute or relative
    /// to <paramref name="workingDirectory"/> and must be the top-level folder of a (non-bare) git repository;
    /// <paramref name="baseRef"/> (default <c>HEAD</c>) must resolve to a commit.
    /// </summary>
    /// <exception cref="WorkspaceException">Refused, with the plan field to blame.</exception>
    public async Task<RepositoryCheck> ValidateAsync(
        string repository, string? baseRef, string workingDirectory, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(repository))
        {
            throw new WorkspaceException(WorkspaceException.RepositoryField, "workspace.repository is empty.");
        }

        var full = Path.GetFullPath(repository, Path.GetFullPath(workingDirectory));
        if (File.Exists(full))
        {
            throw Refused($"'{repository}' is a file, not a git repository.");
        }

        if (!Directory.Exists(full))
        {
            throw Refused($"'{repository}' does not exist (looked for {full}).");
        }

        var bare = await _git.RunAsync(full, ["rev-parse", "--is-bare-repository"], ct).ConfigureAwait(false);
        if (!bare.Succeeded)
        {
            throw Refused($"'{repository}' is not a git repository ({bare.FirstErrorLine}).");
        }

        if (bare.StandardOutput.Trim() == "true")
        {
            throw Refused($"'{repository}' is a bare repository; name a checkout of it.");
        }

        var top = await _git.RunAsync(full, ["rev-parse", "--show-toplevel"], ct).ConfigureAwait(false);
        if (!top.Succeeded)
        {
            throw Refused($"'{repository}' is not a git working tree ({top.FirstErrorLine}).");
        }

        var topLevel = RealPath.Resolve(top.StandardOutput.Trim());
        if (topLevel != RealPath.Resolve(full))
        {
            throw Refused($"'{repository}' is a folder inside the git repository {topLevel}, not its top level; name {topLevel}.");
        }

        var baseCommit = await ResolveBaseAsync(topLevel, baseRef, ct).ConfigureAwait(false);
        return new RepositoryCheck(topLevel, baseCommit);
    }

    /// <summary>
    /// Opens the run's worktree, creating what is missing: with <paramref name="repository"/> null, an empty repository
    /// at <c>&lt;runFolder&gt;/repository</c> with one empty commit (the base); the branch <c>autopack/&lt;runId&gt;</c>
    /// from <paramref name="baseCommit"/> (default HEAD) unless it exists (then its tip is kept); and the worktree at
    /// <c>&lt;runFolder&gt;/workspace</c>, recreated when the folder is missing or not a valid worktree any more.
    /// Files of an existing worktree are left as they are: call <see cref="RunWorktree.ResetToTipAsync"/> to clean it.
    /// </summary>
    public async Task<RunWorktree> OpenAsync(
        string runId, string? repository, string? baseCommit, string runFolder, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(runId) || !RunIdPattern().IsMatch(runId) || runId.EndsWith(".lock", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{runId}' cannot name a branch: use letters, digits, '.', '_' and '-'.", nameof(runId));
        }

        var folder = Path.GetFullPath(runFolder);
        Directory.CreateDirectory(folder);
        string repositoryPath;
        string start;
        var newRepository = false;
        if (repository is null)
        {
            repositoryPath = Path.Join(folder, "repository");
            (start, newRepository) = await InitialiseRunRepositoryAsync(repositoryPath, runId, ct).ConfigureAwait(false);
        }
        else
        {
            repositoryPath = RealPath.Resolve(Path.GetFullPath(repository));
            start = await ResolveBaseAsync(repositoryPath, baseCommit, ct).ConfigureAwait(false);
        }

        // Every git process costs a cold executor milliseconds: a repository made just now has no branch to look for.
        var branch = $"autopack/{runId}";
        var branchExists = !newRepository && (await _git.RunAsync(
            repositoryPath, ["rev-parse", "--verify", "--quiet", $"refs/heads/{branch}"], ct).ConfigureAwait(false)).Succeeded;
        var path = Path.Join(folder, "workspace");
        if (branchExists && await IsWorktreeOfAsync(repositoryPath, path, ct).ConfigureAwait(false))
        {
            return new RunWorktree(_git, RealPath.Resolve(path), branch, start, fresh: false);
        }

        // A new run repository's base is an empty commit: there is nothing to check out.
        await AddWorktreeAsync(repositoryPath, path, branch, branchExists ? null : start, checkout: !newRepository, ct).ConfigureAwait(false);
        return new RunWorktree(_git, RealPath.Resolve(path), branch, start, fresh: !branchExists);
    }

    private async Task<string> ResolveBaseAsync(string repositoryPath, string? baseRef, CancellationToken ct)
    {
        var name = string.IsNullOrWhiteSpace(baseRef) ? "HEAD" : baseRef.Trim();
        if (name.StartsWith('-'))
        {
            throw new WorkspaceException(WorkspaceException.BaseField, $"'{name}' is not a commit-ish (it starts with '-').");
        }

        var resolved = await _git.RunAsync(
            repositoryPath, ["rev-parse", "--verify", "--quiet", $"{name}^{{commit}}"], ct).ConfigureAwait(false);
        // Only a commit's id is a resolution: an exit code of 0 with nothing printed (seen once in CI, cause not found)
        // must not make an empty base that every later git call would misread.
        var id = resolved.StandardOutput.Trim();
        if (resolved.Succeeded && GitObjectId.IsFull(id))
        {
            return id;
        }

        if (resolved.Succeeded)
        {
            throw new WorkspaceException(
                WorkspaceException.BaseField,
                $"git rev-parse succeeded for '{name}' in {repositoryPath} but printed no commit id (output: '{id}'); try again, and report it if it repeats.");
        }

        var anyRef = await _git.RunAsync(repositoryPath, ["for-each-ref", "--count=1", "--format=%(refname)"], ct).ConfigureAwait(false);
        var hasHead = await _git.RunAsync(repositoryPath, ["rev-parse", "--verify", "--quiet", "HEAD"], ct).ConfigureAwait(false);
        if (!hasHead.Succeeded && anyRef.Succeeded && anyRef.StandardOutput.Trim().Length == 0)
        {
            throw new WorkspaceException(
                WorkspaceException.BaseField,
                $"the repository {repositoryPath} has no commits yet, so '{name}' does not resolve; commit something first.");
        }

        throw new WorkspaceException(
            WorkspaceException.BaseField, $"'{name}' does not resolve to a commit in {repositoryPath}.");
    }

    /// <summary>
    /// The run's own repository with one empty commit (the base); whether it was made just now. It is made whole in a
    /// scratch folder and its <c>.git</c> renamed into place, so an executor killed while making it (a worker's host
    /// lost) leaves a scratch folder the next one removes, never a half-made <c>.git</c> that git would pass over for
    /// a repository further up.
    /// </summary>
    private async Task<(string Start, bool Created)> InitialiseRunRepositoryAsync(string path, string runId, CancellationToken ct)
    {
        Directory.CreateDirectory(path);
        var gitFolder = Path.Join(path, ".git");

        // Looked for by name: asking git would find the repository the runs folder itself may live in.
        if (Directory.Exists(gitFolder))
        {
            var head = await _git.RunAsync(path, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], ct).ConfigureAwait(false);
            return head.Succeeded
                ? (head.StandardOutput.Trim(), false)
                : throw new WorkspaceException(
                    WorkspaceException.RepositoryField,
                    $"the run's repository {path} has no base commit (damaged outside Autopack); remove that folder and run again.");
        }

        foreach (var leftover in Directory.EnumerateDirectories(path, $"{InitScratchPrefix}*"))
        {
            Directory.Delete(leftover, recursive: true);
        }

        var scratch = Path.Join(path, $"{InitScratchPrefix}{Guid.NewGuid():N}");
        await _git.RunCheckedAsync(path, ["init", "--quiet", "--template=", scratch], ct).ConfigureAwait(false);
        await _git.RunCheckedAsync(
            scratch, ["commit", "--quiet", "--allow-empty", "-m", $"Autopack: empty repository for run {runId}"], ct).ConfigureAwait(false);
        var files = GitRefFiles.Locate(scratch);
        var start = (files?.HeadBranch() is { } branch ? files.LooseRef(branch) : null)
            ?? (await _git.RunCheckedAsync(scratch, ["rev-parse", "--verify", "HEAD^{commit}"], ct).ConfigureAwait(false)).Trim();
        Directory.Move(Path.Join(scratch, ".git"), gitFolder);
        Directory.Delete(scratch, recursive: true);
        return (start, true);
    }

    /// <summary>True when <paramref name="path"/> is a working worktree of the repository (its own top level,
    /// sharing the repository's git folder).</summary>
    private async Task<bool> IsWorktreeOfAsync(string repositoryPath, string path, CancellationToken ct)
    {
        if (!File.Exists(Path.Join(path, ".git")))
        {
            return false;
        }

        var found = await _git.RunAsync(path, ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"], ct).ConfigureAwait(false);
        var lines = found.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!found.Succeeded || lines.Length != 2 || RealPath.Resolve(lines[0]) != RealPath.Resolve(path))
        {
            return false;
        }

        var expected = await _git.RunCheckedAsync(
            repositoryPath, ["rev-parse", "--path-format=absolute", "--git-common-dir"], ct).ConfigureAwait(false);
        return RealPath.Resolve(lines[1]) == RealPath.Resolve(expected.Trim());
    }

    /// <summary>
    /// Adds the worktree at <paramref name="path"/> on <paramref name="branch"/>, making the branch at
    /// <paramref name="newBranchStart"/> when given. The first try is a plain add; only when it fails (a folder left
    /// behind, a registration a crash left locked) is the old registration unlocked and pruned and the folder cleared.
    /// </summary>
    private async Task AddWorktreeAsync(string repositoryPath, string path, string branch, string? newBranchStart, bool checkout, CancellationToken ct)
    {
        string[] target = newBranchStart is null ? [path, branch] : ["-B", branch, path, newBranchStart];
        string[] add = checkout ? ["worktree", "add", "--quiet", .. target] : ["worktree", "add", "--quiet", "--no-checkout", .. target];
        if (!Directory.Exists(path) && (await _git.RunAsync(repositoryPath, add, ct).ConfigureAwait(false)).Succeeded)
        {
            return;
        }

        // A crash in `git worktree add` leaves its registration locked ("initializing"), which prune keeps.
        await _git.RunAsync(repositoryPath, ["worktree", "unlock", path], ct).ConfigureAwait(false);
        if (Directory.Exists(path))
        {
            if (Directory.Exists(Path.Join(path, ".git")))
            {
                throw new GitException($"{path} is a git repository of its own, not the run's worktree; not deleting it.");
            }

            Directory.Delete(path, recursive: true);
        }

        await _git.RunCheckedAsync(repositoryPath, ["worktree", "prune"], ct).ConfigureAwait(false);
        await _git.RunCheckedAsync(repositoryPath, add, ct).ConfigureAwait(false);
    }

    private static WorkspaceException Refused(string message) => new(WorkspaceException.RepositoryField, message);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RunIdPattern();
}
