namespace Autopack.Storage.Backup;

/// <summary>
/// Chooses the runtime folder's files for a backup: logs and artifacts, not control files (commands for the
/// processes running now), temp files, symlinks, the database's own files, or backups kept in the folder.
/// </summary>
internal static class RuntimeFileSelection
{
    public static List<PlannedEntry> Select(string runtimeDirectory, IReadOnlyCollection<string> excludedPaths, List<string> warnings)
    {
        var entries = new List<PlannedEntry>();
        if (!Directory.Exists(runtimeDirectory))
        {
            return entries;
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = false,
            ReturnSpecialDirectories = false,
        };
        foreach (var path in Directory.EnumerateFiles(runtimeDirectory, "*", options))
        {
            var relative = Path.GetRelativePath(runtimeDirectory, path).Replace(Path.DirectorySeparatorChar, '/');
            var name = Path.GetFileName(path);
            if (BackupLayout.IsTransientRuntimeFile(relative)
                || BackupFileName.TryParse(name, out _)
                || excludedPaths.Any(x => IsSameOrInside(path, x)))
            {
                continue;
            }

            var entryName = BackupLayout.RuntimePrefix + relative;
            if (BackupLayout.ProblemWithEntryName(entryName) is { } problem)
            {
                warnings.Add($"left out {path}: {problem}");
                continue;
            }

            var info = new FileInfo(path);
            entries.Add(new PlannedEntry(entryName, path, info.Length, info.LastWriteTimeUtc));
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.EntryName, b.EntryName));
        return entries;
    }

    private static bool IsSameOrInside(string path, string excluded) =>
        string.Equals(path, excluded, StringComparison.Ordinal)
        || path.StartsWith(excluded.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
