using System.Security.Cryptography;
using System.Text;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tests.Git;

/// <summary>Sets up repositories for tests through the git CLI (no global config, explicit identity).</summary>
internal static class TestGit
{
    private static readonly GitCli Git = new(new CommandRunner());

    public static async Task<string> RunAsync(string directory, params string[] arguments) =>
        await Git.RunCheckedAsync(directory, arguments, CancellationToken.None);

    public static async Task<GitOutput> TryAsync(string directory, params string[] arguments) =>
        await Git.RunAsync(directory, arguments, CancellationToken.None);

    /// <summary>A repository at <paramref name="path"/> on main with one commit of README.md.</summary>
    public static async Task<string> CreateRepositoryAsync(string path)
    {
        Directory.CreateDirectory(path);
        await RunAsync(path, "init", "--quiet");
        await File.WriteAllTextAsync(Path.Combine(path, "README.md"), "hello\n");
        await CommitAllAsync(path, "initial");
        return path;
    }

    public static async Task<string> CommitAllAsync(string path, string message)
    {
        await RunAsync(path, "add", "--all");
        await RunAsync(path, "commit", "--quiet", "--allow-empty", "-m", message);
        return (await RunAsync(path, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Everything of the operator's checkout a run must not change: files, index, status, HEAD, branches.</summary>
    public static async Task<string> SnapshotAsync(string repository)
    {
        var snapshot = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(repository, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/.git/", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            snapshot.Append(Path.GetRelativePath(repository, file)).Append(' ').AppendLine(Hash(await File.ReadAllBytesAsync(file)));
        }

        snapshot.Append("index ").AppendLine(Hash(await File.ReadAllBytesAsync(Path.Combine(repository, ".git", "index"))));
        snapshot.AppendLine(await RunAsync(repository, "--no-optional-locks", "status", "--porcelain=v1", "--untracked-files=all"));
        snapshot.AppendLine(await RunAsync(repository, "diff", "--cached"));
        snapshot.AppendLine(await RunAsync(repository, "symbolic-ref", "HEAD"));
        snapshot.AppendLine(await RunAsync(repository, "rev-parse", "HEAD"));
        var branches = await RunAsync(repository, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/");
        snapshot.AppendJoin('\n', branches.Split('\n').Where(b => !b.StartsWith("refs/heads/autopack/", StringComparison.Ordinal)));
        return snapshot.ToString();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
