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
        return TryWalk("/", Split(full), _ => true, out var result, out _) ? result : full;
    }

    public static string[] Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Walks <paramref name="segments"/> from the real folder <paramref name="start"/>, following symlinks,
    /// and calls <paramref name="allowed"/> on every place reached. False (with <paramref name="refusedAt"/>)
    /// when a place is not allowed or the links loop.
    /// </summary>
    public static bool TryWalk(
        string start, IEnumerable<string> segments, Func<string, bool> allowed, out string result, out string? refusedAt)
    {
        var pending = new Stack<string>(segments.Reverse());
        var current = start;
        var exists = true;
        var links = 0;
        refusedAt = null;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment is "" or ".")
            {
                continue;
            }

            string next;
            if (segment == "..")
            {
                next = Path.GetDirectoryName(current) ?? "/";
            }
            else
            {
                next = Path.Join(current, segment);
                var target = exists ? LinkTarget(next) : null;
                if (target is not null)
                {
                    if (++links > MaxLinks)
                    {
                        refusedAt = next;
                        result = next;
                        return false;
                    }

                    if (Path.IsPathRooted(target))
                    {
                        current = "/";
                    }

                    foreach (var part in Split(target).Reverse())
                    {
                        pending.Push(part);
                    }

                    continue;
                }

                exists = exists && Path.Exists(next);
            }

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
