using Autopack.Storage.Runtime;

namespace Autopack.Storage.Backup;

/// <summary>
/// Where things live inside a backup archive, and which names an archive may hold at all. An archive is a gzip'd
/// PAX tar whose first entry is <c>manifest.json</c>, then <c>autopack.db</c>, the runtime folder's files under
/// <c>runs/</c>, and <c>docs/BUILD_HISTORY.md</c>.
/// </summary>
public static class BackupLayout
{
    /// <summary>The manifest format this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    public const string ManifestEntry = "manifest.json";

    public const string DatabaseEntry = "autopack.db";

    public const string RuntimePrefix = "runs/";

    public const string BuildHistoryEntry = "docs/BUILD_HISTORY.md";

    /// <summary>A manifest larger than this is not one of ours (a real one is a few hundred bytes per file).</summary>
    public const long MaxManifestBytes = 16 * 1024 * 1024;

    private static readonly HashSet<string> ControlFileNames =
        Enum.GetValues<ControlKind>().Select(ControlCommand.FileNameOf).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// True for the control files at the top of the runtime folder (commands meant for the processes running now,
    /// not for the machine a backup is restored on) and for temp files that are half-written by definition.
    /// </summary>
    public static bool IsTransientRuntimeFile(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        var atTop = !relativePath.Contains('/', StringComparison.Ordinal);
        return (atTop && ControlFileNames.Contains(name))
            || name.StartsWith(".tmp-", StringComparison.Ordinal)
            || name.EndsWith(".tmp", StringComparison.Ordinal);
    }

    /// <summary>
    /// Checks an entry name read from an archive (or a manifest): relative, '/'-separated, no '.', '..' or empty
    /// segments, no backslashes or control characters, and one of the names a backup holds. Returns null when the
    /// name is acceptable, else why not.
    /// </summary>
    public static string? ProblemWithEntryName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an empty entry name";
        }

        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':'))
        {
            return $"an absolute path '{name}'";
        }

        if (name.Contains('\\', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            return $"an entry name with a backslash or control character '{Printable(name)}'";
        }

        var segments = name.Split('/');
        if (segments.Any(s => s == ".."))
        {
            return $"a '..' path '{name}'";
        }

        if (segments.Any(s => s.Length == 0 || s == "."))
        {
            return $"a malformed path '{name}'";
        }

        if (name is ManifestEntry or DatabaseEntry or BuildHistoryEntry)
        {
            return null;
        }

        if (name.StartsWith(RuntimePrefix, StringComparison.Ordinal) && segments.Length > 1)
        {
            return IsTransientRuntimeFile(name[RuntimePrefix.Length..])
                ? $"a control or temp file '{name}' that backups never hold"
                : null;
        }

        return $"an entry '{name}' that backups never hold";
    }

    private static string Printable(string text) =>
        new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
