using System.Text;
using Autopack.Workspace.Git;

namespace Autopack.Workspace.Tools;

/// <summary>The files the tools see: tracked and new ones (what git does not ignore), never .git; and text reads
/// that refuse binary and oversized files.</summary>
internal sealed class WorktreeFiles(PathGuard guard, GitCli git, ToolLimits limits)
{
    /// <summary>Files under the folder <paramref name="relativeFolder"/> ("" = root), relative to the root, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string relativeFolder, CancellationToken ct)
    {
        var listed = await git.RunAsync(
            guard.Root,
            ["--literal-pathspecs", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", relativeFolder.Length == 0 ? "." : relativeFolder],
            ct).ConfigureAwait(false);
        IEnumerable<string> files = listed.Succeeded
            ? listed.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            : Walk(relativeFolder);
        return files
            .Where(f => !f.Split('/').Any(s => s.Equals(".git", StringComparison.OrdinalIgnoreCase)))
            .Where(f => File.Exists(Path.Join(guard.Root, f)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The text of a file, or why it cannot be read as text.</summary>
    public async Task<(string? Text, string? Error)> ReadTextAsync(string fullPath, CancellationToken ct)
    {
        var relative = guard.Relative(fullPath);
        if (Directory.Exists(fullPath))
        {
            return (null, $"'{relative}' is a folder; use list_files to see its files");
        }

        if (!File.Exists(fullPath))
        {
            return (null, $"'{relative}' does not exist");
        }

        var length = new FileInfo(fullPath).Length;
        if (length > limits.MaxFileBytes)
        {
            return (null, $"'{relative}' is {length} bytes, over the {limits.MaxFileBytes}-byte limit; look into it with search or run_command (e.g. sed -n '1,100p')");
        }

        var bytes = await File.ReadAllBytesAsync(fullPath, ct).ConfigureAwait(false);
        if (IsBinary(bytes))
        {
            return (null, $"'{relative}' is a binary file ({bytes.Length} bytes); it cannot be shown as text");
        }

        return (Encoding.UTF8.GetString(bytes), null);
    }

    public static bool IsBinary(ReadOnlySpan<byte> bytes) => bytes[..Math.Min(bytes.Length, 8000)].Contains((byte)0);

    /// <summary>Lines of a text without their line ends; a final line end does not start another line.</summary>
    public static string[] Lines(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd('\r');
        }

        return lines;
    }

    /// <summary>Replaces a file's content through a temporary file in the same folder, keeping its permissions.</summary>
    public static async Task WriteAtomicallyAsync(string fullPath, string content, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Join(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllTextAsync(temporary, content, new UTF8Encoding(false), ct).ConfigureAwait(false);
            if (File.Exists(fullPath) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(fullPath));
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private IEnumerable<string> Walk(string relativeFolder)
    {
        var start = Path.Join(guard.Root, relativeFolder);
        if (File.Exists(start))
        {
            return [relativeFolder];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        return Directory.Exists(start)
            ? Directory.EnumerateFiles(start, "*", options).Select(guard.Relative)
            : [];
    }
}
