namespace Autopack.Workspace.Git;

/// <summary>
/// Reads where HEAD points and a branch's tip from the files git's default ref backend keeps (gitrepository-layout(5)):
/// <c>HEAD</c> in a checkout's or worktree's own git folder, loose refs under the repository's common git folder. Each
/// read stands in for a <c>git rev-parse</c> process (10-15 ms for a cold executor, ADR-043) and answers null whenever
/// the files do not say it plainly (a packed ref, the reftable backend, a detached HEAD, anything unexpected), and the
/// caller then asks git. A loose ref is what git itself reads first, so whenever one is found it is the answer git
/// would give.
/// </summary>
internal sealed class GitRefFiles
{
    private const string GitDirPrefix = "gitdir:";
    private const string SymbolicPrefix = "ref:";

    private GitRefFiles(string gitDirectory, string commonDirectory)
    {
        GitDirectory = gitDirectory;
        CommonDirectory = commonDirectory;
    }

    /// <summary>The checkout's own git folder (a worktree's is under the repository's <c>worktrees/</c>).</summary>
    public string GitDirectory { get; }

    /// <summary>The repository's git folder, where its refs and objects are.</summary>
    public string CommonDirectory { get; }

    /// <summary>
    /// The git folders of the checkout or worktree at <paramref name="checkoutPath"/>: its <c>.git</c> folder, or the
    /// folder its <c>.git</c> file names (<c>gitdir: ...</c>) with that folder's <c>commondir</c>; null when neither reads.
    /// </summary>
    public static GitRefFiles? Locate(string checkoutPath)
    {
        try
        {
            var dotGit = Path.Join(checkoutPath, ".git");
            if (Directory.Exists(dotGit))
            {
                return new GitRefFiles(dotGit, dotGit);
            }

            if (!File.Exists(dotGit))
            {
                return null;
            }

            var pointer = File.ReadAllText(dotGit).Trim();
            if (!pointer.StartsWith(GitDirPrefix, StringComparison.Ordinal))
            {
                return null;
            }

            var gitDirectory = Path.GetFullPath(pointer[GitDirPrefix.Length..].Trim(), checkoutPath);
            var commonFile = Path.Join(gitDirectory, "commondir");
            var common = File.Exists(commonFile)
                ? Path.GetFullPath(File.ReadAllText(commonFile).Trim(), gitDirectory)
                : gitDirectory;
            return Directory.Exists(gitDirectory) && Directory.Exists(common) ? new GitRefFiles(gitDirectory, common) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The full name of the branch HEAD is on (<c>refs/heads/...</c>); null when detached or unreadable.</summary>
    public string? HeadBranch()
    {
        var head = ReadLine(Path.Join(GitDirectory, "HEAD"));
        if (head is null || !head.StartsWith(SymbolicPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var target = head[SymbolicPrefix.Length..].Trim();
        return target.StartsWith("refs/heads/", StringComparison.Ordinal) ? target : null;
    }

    /// <summary>The object id a loose <c>refs/heads/...</c> ref holds; null when there is no such file or it holds no full id.</summary>
    public string? LooseRef(string refName)
    {
        ArgumentException.ThrowIfNullOrEmpty(refName);
        if (!refName.StartsWith("refs/heads/", StringComparison.Ordinal) || refName.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        var id = ReadLine(Path.Join(CommonDirectory, refName));
        return id is not null && GitObjectId.IsFull(id) ? id : null;
    }

    private static string? ReadLine(string path)
    {
        try
        {
            // A ref file is one line; anything longer is not one.
            var info = new FileInfo(path);
            return info.Exists && info.Length <= 1024 ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
