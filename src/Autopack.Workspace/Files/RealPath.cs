namespace Autopack.Workspace.Files;

/// <summary>
/// Resolves paths the way the kernel does (every symlink followed, <c>..</c> taken after a link is followed),
/// component by component, so a caller can check each place the walk passes through.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40;

    /// <summary>The real path of an absolute path; components that do not exist are taken as written.</summary>
    public static string Resolve(string absolutePath)
    {
        var full = Path.GetFullPath(absolutePath);
        var links = 0;
        return Walk("/", Split(full), _ => true, ref links, out var result, out _) ? result : full;
    }

    public static string[] Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Walks <paramref name="segments"/> from the real folder <paramref name="start"/>, following symlinks, and
    /// calls <paramref name="allowed"/> on every place reached (a symlink's place is its fully resolved target).
    /// False (with <paramref name="refusedAt"/>) when a place is not allowed or the links loop.
    /// </summary>
    public static bool TryWalk(
        string start, IEnumerable<string> segments, Func<string, bool> allowed, out string result, out string? refusedAt)
    {
        var links = 0;
        return Walk(start, segments, allowed, ref links, out result, out refusedAt);
    }

    private static bool Walk(
        string start, IEnumerable<string> segments, Func<string, bool> allowed, ref int links, out string result, out string? refusedAt)
    {
        var current = start;
        var exists = true;
        refusedAt = null;
        foreach (var segment in segments)
        {
            if (segment is "" or ".")
            {
                continue;
            }

            var next = segment == ".." ? Path.GetDirectoryName(current) ?? "/" : Path.Join(current, segment);
            var target = exists && segment != ".." ? LinkTarget(next) : null;
            if (target is not null)
            {
                // The target is resolved completely first (links inside it too), and only then judged: an absolute
                // target passes through "/" on its way back into the worktree.
                if (++links > MaxLinks
                    || !Walk("/", Split(Path.GetFullPath(target, current)), _ => true, ref links, out var resolved, out _))
                {
                    refusedAt = next;
                    result = next;
                    return false;
                }

                next = resolved;
            }

            exists = exists && Path.Exists(next);
            if (!allowed(next))
            {
                refusedAt = next;
                result = next;
                return false;
            }

            current = next;
        }

        result = current;
        return true;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
