using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Autopack.Workspace.Tools;

/// <summary><c>list_files</c>, <c>read_file</c> and <c>search</c>: reads anywhere in the worktree.</summary>
internal sealed class ReadTools(PathGuard guard, WorktreeFiles files, ToolLimits limits)
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);
    private const int MaxShownLineChars = 300;

    public async Task<ToolResult> ListFilesAsync(ToolArguments arguments, CancellationToken ct)
    {
        var path = arguments.OptionalString("path") ?? ".";
        var glob = arguments.OptionalString("glob");
        if (!guard.TryResolve(path, PathAccess.Read, out var full, out var error))
        {
            return ToolResult.Error(error);
        }

        var folder = guard.Relative(full);
        if (!Directory.Exists(full))
        {
            return ToolResult.Error(File.Exists(full) ? $"'{folder}' is a file, not a folder; use read_file" : $"'{path}' does not exist");
        }

        IEnumerable<string> listed = await files.ListAsync(folder, ct).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(glob))
        {
            listed = listed.Where(GlobFilter(glob.Trim(), folder));
        }

        var all = listed.ToList();
        var where = folder.Length == 0 ? "the worktree" : $"'{folder}'";
        if (all.Count == 0)
        {
            return ToolResult.Ok($"no files in {where}{(glob is null ? "" : $" matching '{glob}'")}");
        }

        var text = new StringBuilder($"{all.Count} file(s) in {where}{(glob is null ? "" : $" matching '{glob}'")}:\n");
        foreach (var file in all.Take(limits.MaxListEntries))
        {
            text.Append(file).Append('\n');
        }

        if (all.Count > limits.MaxListEntries)
        {
            text.Append($"[{all.Count - limits.MaxListEntries} more files not listed; narrow path or glob]\n");
        }

        return ToolResult.Ok(text.ToString());
    }

    public async Task<ToolResult> ReadFileAsync(ToolArguments arguments, CancellationToken ct)
    {
        var path = arguments.RequiredString("path");
        var start = arguments.OptionalInt("start_line") ?? 1;
        var requestedEnd = arguments.OptionalInt("end_line");
        if (start < 1 || requestedEnd < start)
        {
            return ToolResult.Error($"start_line must be 1 or more and end_line at least start_line (got {start}-{requestedEnd})");
        }

        if (!guard.TryResolve(path, PathAccess.Read, out var full, out var error))
        {
            return ToolResult.Error(error);
        }

        var (content, readError) = await files.ReadTextAsync(full, ct).ConfigureAwait(false);
        if (content is null)
        {
            return ToolResult.Error(readError!);
        }

        var relative = guard.Relative(full);
        var lines = WorktreeFiles.Lines(content);
        if (lines.Length == 0)
        {
            return ToolResult.Ok($"{relative} is empty (0 lines)");
        }

        if (start > lines.Length)
        {
            return ToolResult.Error($"start_line {start} is past the end: {relative} has {lines.Length} lines");
        }

        var end = Math.Min(Math.Min(requestedEnd ?? int.MaxValue, lines.Length), start - 1 + limits.MaxReadLines);
        var text = new StringBuilder($"{relative} (lines {start}-{end} of {lines.Length})\n");
        NumberedLines.Append(text, lines, start - 1, end - 1);
        if (end < lines.Length && (requestedEnd is null || requestedEnd > end))
        {
            text.Append($"[{lines.Length - end} more lines; at most {limits.MaxReadLines} per call: read_file with start_line={end + 1}]\n");
        }

        return ToolResult.Ok(text.ToString());
    }

    public async Task<ToolResult> SearchAsync(ToolArguments arguments, CancellationToken ct)
    {
        var pattern = arguments.RequiredString("pattern");
        var path = arguments.OptionalString("path") ?? ".";
        if (pattern.Length == 0)
        {
            return ToolResult.Error("pattern is empty");
        }

        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException exception)
        {
            return ToolResult.Error($"invalid regular expression: {exception.Message}");
        }

        if (!guard.TryResolve(path, PathAccess.Read, out var full, out var error))
        {
            return ToolResult.Error(error);
        }

        var relative = guard.Relative(full);
        IReadOnlyList<string> candidates = File.Exists(full) ? [relative]
            : Directory.Exists(full) ? await files.ListAsync(relative, ct).ConfigureAwait(false)
            : [];
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return ToolResult.Error($"'{path}' does not exist");
        }

        var matches = new List<string>();
        var total = 0;
        var matchedFiles = 0;
        foreach (var file in candidates)
        {
            ct.ThrowIfCancellationRequested();
            var (content, _) = await files.ReadTextAsync(Path.Join(guard.Root, file), ct).ConfigureAwait(false);
            if (content is null)
            {
                continue;
            }

            var lines = WorktreeFiles.Lines(content);
            var matchedHere = false;
            for (var i = 0; i < lines.Length; i++)
            {
                try
                {
                    if (!regex.IsMatch(lines[i]))
                    {
                        continue;
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    return ToolResult.Error($"the pattern took over {MatchTimeout.TotalSeconds:0} s on one line of {file}; simplify it");
                }

                total++;
                matchedHere = true;
                if (matches.Count < limits.MaxSearchMatches)
                {
                    var line = lines[i].Length > MaxShownLineChars ? lines[i][..MaxShownLineChars] + " [line cut]" : lines[i];
                    matches.Add($"{file}:{i + 1}: {line}");
                }
            }

            matchedFiles += matchedHere ? 1 : 0;
        }

        if (total == 0)
        {
            return ToolResult.Ok($"no matches for /{pattern}/ in {(relative.Length == 0 ? "the worktree" : relative)}");
        }

        var text = new StringBuilder($"{total} match(es) in {matchedFiles} file(s):\n");
        text.AppendJoin('\n', matches).Append('\n');
        if (total > matches.Count)
        {
            text.Append($"[{total - matches.Count} more matches not shown; narrow the pattern or path]\n");
        }

        return ToolResult.Ok(text.ToString());
    }

    // A glob without '/' matches file names at any depth ("*.cs"); one with '/' matches paths under the folder.
    private static Func<string, bool> GlobFilter(string glob, string folder)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(glob);
        var byName = !glob.Contains('/', StringComparison.Ordinal);
        return file =>
        {
            var underFolder = folder.Length == 0 ? file : file[(folder.Length + 1)..];
            return matcher.Match(byName ? Path.GetFileName(file) : underFolder).HasMatches;
        };
    }
}
