using Autopack.Workspace.Files;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Autopack.Workspace.Tools;

/// <summary>
/// Resolves a tool's path argument inside the worktree, or says which rule refuses it: absolute paths, a <c>..</c>
/// that leaves the worktree, a symlink (at any component) that resolves outside it, anything at or under
/// <c>.git</c> (any case), NUL characters, and writes outside the phase's scope globs.
/// </summary>
public sealed class PathGuard
{
    private readonly Matcher? _scope;

    public PathGuard(string root, IReadOnlyList<string>? scope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = RealPath.Resolve(Path.GetFullPath(root));
        var patterns = (scope ?? []).Select(NormaliseGlob).Where(p => p.Length > 0).ToList();
        if (patterns.Count > 0)
        {
            _scope = new Matcher(StringComparison.Ordinal);
            _scope.AddIncludePatterns(patterns);
        }

        ScopeText = string.Join(", ", patterns);
    }

    /// <summary>The worktree's real path.</summary>
    public string Root { get; }

    /// <summary>The path relative to the root with '/' ("" for the root itself).</summary>
    public string Relative(string fullPath)
    {
        var relative = Path.GetRelativePath(Root, fullPath).Replace('\\', '/');
        return relative == "." ? "" : relative;
    }

    /// <summary>
    /// Of <paramref name="relativePaths"/> (worktree-relative, '/'-separated, as git lists them), those the phase's scope
    /// does not allow writing, in their order; none when the phase has no scope. For builders that write with their own
    /// tools (an external agent), checked on what they changed once they end.
    /// </summary>
    public IReadOnlyList<string> OutsideScope(IEnumerable<string> relativePaths)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        return relativePaths.Where(IsOutsideScope).ToList();
    }

    /// <summary>The scope's globs as the refusals name them (empty when the phase has none).</summary>
    public string ScopeText { get; }

    public bool TryResolve(string path, PathAccess access, out string fullPath, out string error)
    {
        fullPath = "";
        if (!TryResolveCore(path, out var real, out error))
        {
            return false;
        }

        var relative = Relative(real);
        if (access == PathAccess.Write)
        {
            if (relative.Length == 0)
            {
                error = "the worktree root itself cannot be written";
                return false;
            }

            if (IsOutsideScope(relative))
            {
                error = $"'{relative}' is outside the phase's scope ({ScopeText}); writes are allowed only there (reads anywhere)";
                return false;
            }
        }

        fullPath = real;
        return true;
    }

    private bool TryResolveCore(string path, out string real, out string error)
    {
        real = "";
        error = "";
        if (path is null || path.Trim().Length == 0)
        {
            error = "the path is empty (use \".\" for the worktree root)";
            return false;
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = "the path contains a NUL character";
            return false;
        }

        var normalised = path.Trim().Replace('\\', '/');
        if (normalised.StartsWith('/') || normalised.StartsWith('~'))
        {
            error = $"'{path}' is absolute; paths are relative to the worktree root";
            return false;
        }

        var segments = RealPath.Split(normalised);
        if (segments.Any(IsGitName))
        {
            error = $"'{path}' is in .git; the repository's internals are off limits";
            return false;
        }

        var depth = 0;
        foreach (var segment in segments)
        {
            depth += segment switch { ".." => -1, "." => 0, _ => 1 };
            if (depth < 0)
            {
                error = $"'{path}' leaves the worktree (..)";
                return false;
            }
        }

        if (!RealPath.TryWalk(Root, segments, IsAllowedPlace, out real, out var refusedAt))
        {
            error = refusedAt is not null && IsInside(refusedAt)
                ? $"'{path}' goes through a symlink into .git (or a symlink loop)"
                : $"'{path}' goes through a symlink that points outside the worktree (to {refusedAt})";
            return false;
        }

        return true;
    }

    private bool IsAllowedPlace(string place) =>
        IsInside(place) && !RealPath.Split(Relative(place)).Any(IsGitName);

    private bool IsInside(string place) =>
        place == Root || place.StartsWith(Root.EndsWith('/') ? Root : Root + "/", StringComparison.Ordinal);

    private static bool IsGitName(string segment) => segment.Equals(".git", StringComparison.OrdinalIgnoreCase);

    private bool IsOutsideScope(string relative) => _scope is not null && !_scope.Match(relative).HasMatches;

    private static string NormaliseGlob(string pattern)
    {
        var glob = pattern.Trim().Replace('\\', '/');
        while (glob.StartsWith("./", StringComparison.Ordinal))
        {
            glob = glob[2..];
        }

        // "src/" names a folder: everything under it.
        return glob.EndsWith('/') ? glob + "**" : glob;
    }
}
