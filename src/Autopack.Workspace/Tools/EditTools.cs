using System.Globalization;
using System.Text;

namespace Autopack.Workspace.Tools;

/// <summary><c>write_file</c> and <c>replace_in_file</c>: writes inside the worktree and the phase's scope, atomic.</summary>
internal sealed class EditTools(PathGuard guard, WorktreeFiles files, ToolLimits limits)
{
    private const int MaxListedOccurrences = 20;

    public async Task<ToolResult> WriteFileAsync(ToolArguments arguments, CancellationToken ct)
    {
        var path = arguments.RequiredString("path");
        var content = arguments.RequiredString("content");
        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes > limits.MaxFileBytes)
        {
            return ToolResult.Error($"content is {bytes} bytes, over the {limits.MaxFileBytes}-byte limit");
        }

        if (!guard.TryResolve(path, PathAccess.Write, out var full, out var error))
        {
            return ToolResult.Error(error);
        }

        var relative = guard.Relative(full);
        if (Directory.Exists(full))
        {
            return ToolResult.Error($"'{relative}' is a folder");
        }

        var existed = File.Exists(full);
        await WorktreeFiles.WriteAtomicallyAsync(full, content, ct).ConfigureAwait(false);
        return ToolResult.Ok($"wrote {bytes} bytes to {relative} ({(existed ? "replaced" : "created")})");
    }

    public async Task<ToolResult> ReplaceInFileAsync(ToolArguments arguments, CancellationToken ct)
    {
        var path = arguments.RequiredString("path");
        var old = arguments.RequiredString("old");
        var replacement = arguments.RequiredString("new");
        if (old.Length == 0)
        {
            return ToolResult.Error("old is empty; give the exact text to replace (use write_file to write a whole file)");
        }

        if (!guard.TryResolve(path, PathAccess.Write, out var full, out var error))
        {
            return ToolResult.Error(error);
        }

        var (content, readError) = await files.ReadTextAsync(full, ct).ConfigureAwait(false);
        if (content is null)
        {
            return ToolResult.Error(readError!);
        }

        var relative = guard.Relative(full);
        var positions = Occurrences(content, old);

        // Models write "\n"; a file with Windows line ends still deserves the edit.
        if (positions.Count == 0 && content.Contains("\r\n", StringComparison.Ordinal) && old.Contains('\n', StringComparison.Ordinal)
            && !old.Contains("\r\n", StringComparison.Ordinal))
        {
            old = old.Replace("\n", "\r\n", StringComparison.Ordinal);
            replacement = replacement.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            positions = Occurrences(content, old);
        }

        var lines = WorktreeFiles.Lines(content);
        if (positions.Count == 0)
        {
            return ToolResult.Error($"old text not found in {relative}; {ClosestLines.Describe(lines, old)}");
        }

        if (positions.Count > 1)
        {
            var numbers = positions.Select(p => LineOf(content, p)).ToList();
            var text = new StringBuilder(
                $"old text occurs {positions.Count} times in {relative}, at lines {string.Join(", ", numbers.Take(MaxListedOccurrences))}; "
                + "include more surrounding lines in old so it occurs exactly once:\n");
            foreach (var number in numbers.Distinct().Take(MaxListedOccurrences))
            {
                NumberedLines.Append(text, lines, number - 1, number - 1);
            }

            return ToolResult.Error(text.ToString());
        }

        var updated = string.Concat(content.AsSpan(0, positions[0]), replacement, content.AsSpan(positions[0] + old.Length));
        var bytes = Encoding.UTF8.GetByteCount(updated);
        if (bytes > limits.MaxFileBytes)
        {
            return ToolResult.Error($"the result would be {bytes} bytes, over the {limits.MaxFileBytes}-byte limit");
        }

        await WorktreeFiles.WriteAtomicallyAsync(full, updated, ct).ConfigureAwait(false);
        var line = LineOf(content, positions[0]).ToString(CultureInfo.InvariantCulture);
        return ToolResult.Ok($"replaced 1 occurrence in {relative} at line {line}");
    }

    // Every start position, overlapping ones included: "aa" in "aaa" is ambiguous, so it counts twice.
    private static List<int> Occurrences(string content, string old)
    {
        var positions = new List<int>();
        for (var at = content.IndexOf(old, StringComparison.Ordinal); at >= 0; at = content.IndexOf(old, at + 1, StringComparison.Ordinal))
        {
            positions.Add(at);
        }

        return positions;
    }

    private static int LineOf(string content, int position) => content.AsSpan(0, position).Count('\n') + 1;
}
