using System.Text;
using System.Text.RegularExpressions;

namespace Autopack.Workspace.Git;

/// <summary>
/// One run's git worktree on its branch <c>autopack/&lt;run-id&gt;</c>: its tip, resets that drop every half-made
/// edit, the diff of an attempt, and the one commit of an approved phase.
/// </summary>
public sealed partial class RunWorktree
{
    private readonly GitCli _git;

    // The branch tip as Autopack's own last open, reset or commit left it; null when unknown.
    private string? _knownTip;
    private GitRefFiles? _refFiles;

    internal RunWorktree(GitCli git, string path, string branch, string baseCommit, bool fresh)
    {
        _git = git;
        Path = path;
        Branch = branch;
        BaseCommit = baseCommit;
        Fresh = fresh;
        _knownTip = fresh ? baseCommit : null;
    }

    /// <summary>The worktree's absolute (real) path.</summary>
    public string Path { get; }

    /// <summary>The run branch, <c>autopack/&lt;run-id&gt;</c>.</summary>
    public string Branch { get; }

    /// <summary>The commit the run branch started from.</summary>
    public string BaseCommit { get; }

    /// <summary>
    /// True when the branch and the worktree were made just now from <see cref="BaseCommit"/>: the worktree is exactly
    /// that commit and the branch holds nothing after it, so there is nothing to look up or reset yet.
    /// </summary>
    public bool Fresh { get; }

    private string BranchRef => $"refs/heads/{Branch}";

    /// <summary>The sha of the run branch's tip: its loose ref file when there is one, otherwise git's answer.</summary>
    public async Task<string> TipAsync(CancellationToken ct) =>
        RefFiles?.LooseRef(BranchRef)
        ?? (await _git.RunCheckedAsync(Path, ["rev-parse", "--verify", $"{BranchRef}^{{commit}}"], ct).ConfigureAwait(false)).Trim();

    // The worktree's git folders, found once; null (git is asked instead) when its .git file cannot be read.
    private GitRefFiles? RefFiles => _refFiles ??= GitRefFiles.Locate(Path);

    /// <summary>
    /// The tip between attempts: what Autopack's own last open, reset or commit left, asked of git only when unknown.
    /// Valid only while nothing else can move the branch: every attempt (where a builder's or verify's commands may
    /// commit) ends with a reset to its start or with its commit, each of which sets it.
    /// </summary>
    public async Task<string> TipBetweenAttemptsAsync(CancellationToken ct) =>
        _knownTip ??= await TipAsync(ct).ConfigureAwait(false);

    /// <summary>Makes the worktree exactly the branch tip again: tracked changes, new files and ignored files are
    /// gone, and HEAD is back on the branch whatever a command did to it.</summary>
    public async Task ResetToTipAsync(CancellationToken ct)
    {
        _knownTip = null;
        await AttachHeadAsync(ct).ConfigureAwait(false);
        await _git.RunCheckedAsync(Path, ["reset", "--hard", "--quiet"], ct).ConfigureAwait(false);
        await CleanAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Moves the run branch back to <paramref name="commit"/> (e.g. the phase's start, dropping commits a
    /// builder's command made) and makes the worktree exactly that commit.</summary>
    public async Task ResetToAsync(string commit, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        _knownTip = null;
        await AttachHeadAsync(ct).ConfigureAwait(false);
        await _git.RunCheckedAsync(Path, ["reset", "--hard", "--quiet", $"{commit}^{{commit}}", "--"], ct).ConfigureAwait(false);
        await CleanAsync(ct).ConfigureAwait(false);
        _knownTip = GitObjectId.IsFull(commit) ? commit : null;
    }

    /// <summary>The unified diff of the working tree (new files included, ignored ones not) against
    /// <paramref name="fromCommit"/>; binary files appear as one "Binary files ... differ" line.</summary>
    public async Task<string> DiffAsync(string fromCommit, CancellationToken ct)
    {
        await StageAllAsync(ct).ConfigureAwait(false);
        return await _git.RunCheckedAsync(
            Path, ["diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv", fromCommit, "--"], ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The paths the working tree (new files included, ignored ones not) and any commits since changed against
    /// <paramref name="fromCommit"/>: added, modified and deleted, a rename as both its paths.
    /// </summary>
    public async Task<IReadOnlyList<string>> ChangedPathsAsync(string fromCommit, CancellationToken ct)
    {
        await StageAllAsync(ct).ConfigureAwait(false);
        var names = (await _git.RunCheckedAsync(
            Path, ["diff", "--cached", "--name-only", "--no-renames", "-z", fromCommit, "--"], ct).ConfigureAwait(false))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (names.Length > 0)
        {
            return names;
        }

        // An empty list lets everything through a scope check, so it is confirmed by exit code, not taken on trust:
        // once in CI a git call exited 0 without its output (RunWorkspaces.ResolveBaseAsync).
        var same = await _git.RunAsync(Path, ["diff", "--cached", "--quiet", fromCommit, "--"], ct).ConfigureAwait(false);
        return same.Succeeded
            ? names
            : throw new GitException($"git listed no changed paths, yet the index differs from {fromCommit} (git diff --cached --quiet: exit {same.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "timed out"})");
    }

    /// <summary>The <c>--stat</c> summary of <see cref="DiffAsync"/>.</summary>
    public async Task<string> DiffStatAsync(string fromCommit, CancellationToken ct)
    {
        await StageAllAsync(ct).ConfigureAwait(false);
        return await _git.RunCheckedAsync(
            Path, ["diff", "--cached", "--no-color", "--stat=200", fromCommit, "--"], ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stages everything and makes exactly one commit on the branch (empty when nothing changed) by
    /// <c>Autopack &lt;autopack@localhost&gt;</c>: the subject, the body, then the trailers as git trailers.
    /// With <paramref name="parent"/> (the phase's start), commits a builder's command made since are folded into
    /// this one, so an approved phase is exactly one commit on top of where it started. With
    /// <paramref name="stageFirst"/> false the index is committed as <see cref="DiffAsync"/> staged it (nothing has
    /// written to the tree since, or what did is not to be committed), saving a git process; HEAD found off the
    /// branch is re-attached and everything staged anyway.
    /// </summary>
    /// <returns>The new commit's sha.</returns>
    public async Task<string> CommitAsync(
        string subject, string body, IReadOnlyList<KeyValuePair<string, string>> trailers, string? parent, CancellationToken ct, bool stageFirst = true)
    {
        var message = CommitMessage(subject, body, trailers);
        _knownTip = null;

        // The tip and where HEAD points (a builder's command may have committed or checked out): from the ref files when
        // they say it plainly, otherwise in one git call.
        var state = RefFiles is { } files && files.LooseRef(BranchRef) is { } looseTip && files.HeadBranch() is { } headBranch
            ? [looseTip, headBranch]
            : (await _git.RunCheckedAsync(Path, ["rev-parse", $"{BranchRef}^{{commit}}", "--symbolic-full-name", "HEAD"], ct).ConfigureAwait(false))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (state.Length != 2 || state[1] != BranchRef)
        {
            await AttachHeadAsync(ct).ConfigureAwait(false);
            stageFirst = true;
        }

        if (parent is not null && state[0] != parent)
        {
            await _git.RunCheckedAsync(Path, ["reset", "--soft", "--quiet", $"{parent}^{{commit}}", "--"], ct).ConfigureAwait(false);
        }

        if (stageFirst)
        {
            await StageAllAsync(ct).ConfigureAwait(false);
        }

        var messageFile = System.IO.Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(messageFile, message, ct).ConfigureAwait(false);

            // "whitespace", not the default "strip": a body line starting with '#' is text, not a comment.
            await _git.RunCheckedAsync(
                Path,
                ["commit", "--quiet", "--allow-empty", "--cleanup=whitespace", "--file", messageFile],
                ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(messageFile);
        }

        return _knownTip = await TipAsync(ct).ConfigureAwait(false);
    }

    /// <summary>One commit on top of the tip; see the overload with a parent.</summary>
    public Task<string> CommitAsync(string subject, string body, IReadOnlyList<KeyValuePair<string, string>> trailers, CancellationToken ct) =>
        CommitAsync(subject, body, trailers, null, ct);

    /// <summary>The branch's commits after <see cref="BaseCommit"/>, oldest first.</summary>
    public async Task<IReadOnlyList<CommitInfo>> CommitsAsync(CancellationToken ct)
    {
        var log = await _git.RunCheckedAsync(
            Path,
            ["log", "--reverse", "--format=%H%x1f%s%x1f%(trailers:only,unfold)%x1e", $"{BaseCommit}..{BranchRef}", "--"],
            ct).ConfigureAwait(false);
        var commits = new List<CommitInfo>();
        foreach (var entry in log.Split('\x1e'))
        {
            var fields = entry.TrimStart('\n').Split('\x1f');
            if (fields.Length < 3)
            {
                continue;
            }

            var trailers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in fields[2].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    trailers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
            }

            commits.Add(new CommitInfo(fields[0], fields[1], trailers));
        }

        return commits;
    }

    internal static string CommitMessage(string subject, string body, IReadOnlyList<KeyValuePair<string, string>> trailers)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        var line = OneLine(subject ?? "");
        if (line.Length == 0)
        {
            throw new ArgumentException("A commit needs a subject.", nameof(subject));
        }

        var message = new StringBuilder(line).Append("\n\n");
        var text = (body ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text.Length > 0)
        {
            message.Append(text).Append("\n\n");
        }

        foreach (var (key, value) in trailers)
        {
            if (!TrailerKeyPattern().IsMatch(key))
            {
                throw new ArgumentException($"'{key}' cannot be a trailer key: use letters, digits and '-'.", nameof(trailers));
            }

            message.Append(key).Append(": ").Append(OneLine(value ?? "")).Append('\n');
        }

        return message.ToString();
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // A builder's command may have checked out something else; the worktree must be on its branch again.
    private Task AttachHeadAsync(CancellationToken ct) =>
        _git.RunCheckedAsync(Path, ["symbolic-ref", "HEAD", BranchRef], ct);

    private Task StageAllAsync(CancellationToken ct) => _git.RunCheckedAsync(Path, ["add", "--all"], ct);

    // -ff removes nested repositories too; -x removes ignored files (build output of a failed attempt).
    private Task CleanAsync(CancellationToken ct) => _git.RunCheckedAsync(Path, ["clean", "-ffdxq"], ct);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]*$")]
    private static partial Regex TrailerKeyPattern();
}
