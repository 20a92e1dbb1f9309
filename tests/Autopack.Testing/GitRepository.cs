using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Autopack.Testing;

/// <summary>
/// A real git repository in a test folder, driven with the git CLI (with an explicit identity, as CI has none),
/// and a fingerprint of everything an operator's checkout is: files, index, HEAD, branches and status.
/// </summary>
public sealed class GitRepository(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>A new repository with the given files in one commit on <c>main</c>.</summary>
    public static GitRepository Create(string path, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(path);
        var repository = new GitRepository(path);
        repository.Git("-c", "init.defaultBranch=main", "init", "--quiet");
        foreach (var (name, content) in files)
        {
            repository.Write(name, content);
        }

        repository.CommitAll("initial");
        return repository;
    }

    public void Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public string CommitAll(string message)
    {
        Git("add", "--all");
        Git("-c", "user.name=Test", "-c", "user.email=test@localhost", "commit", "--quiet", "--allow-empty", "-m", message);
        return Head();
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public string RevParse(string rev) => Git("rev-parse", "--verify", rev).Trim();

    /// <summary>Subjects and trailers of <paramref name="range"/>, oldest first: one string per commit.</summary>
    public IReadOnlyList<string> Log(string range) =>
        Git("log", "--reverse", "--format=%H%x1f%s%x1f%(trailers:only,unfold)%x1e", range)
            .Split('\u001e', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Everything of the checkout an operator sees: every file outside .git with its bytes, the index, HEAD, the
    /// branches other than Autopack's and `git status`. Equal fingerprints mean the checkout was not touched.
    /// </summary>
    public string Fingerprint()
    {
        var text = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}.git{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            text.Append(System.IO.Path.GetRelativePath(Path, file)).Append(' ').AppendLine(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))));
        }

        text.AppendLine(Git("symbolic-ref", "HEAD")).AppendLine(Head());
        text.AppendLine(Git("ls-files", "--stage"));
        text.AppendLine(Git("status", "--porcelain=v1", "--untracked-files=all"));
        text.AppendLine(string.Join('\n', Git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags")
            .Split('\n').Where(l => !l.StartsWith("refs/heads/autopack/", StringComparison.Ordinal))));
        return text.ToString();
    }

    public string Git(params string[] arguments) => Run(Path, arguments);

    /// <summary>Runs git in <paramref name="folder"/>; a non-zero exit fails the test with git's message.</summary>
    public static string Run(string folder, params string[] arguments)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr}");
        }

        return stdout.Result;
    }
}
