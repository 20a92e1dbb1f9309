namespace Autopack.Storage.Backup;

/// <summary>
/// Applies a <see cref="RetentionPolicy"/> to a backup folder. Only files it recognises as its own are ever
/// considered: a regular file (not a link) directly in the folder, named <c>autopack-backup-YYYYMMDD-HHMMSS.tar.gz</c>
/// (or the date-only form), whose first entry is a manifest this build reads. The date comes from the name. Every
/// other file, including a misnamed copy or a half-written temp file, is left alone.
/// </summary>
public sealed class BackupPruner(TimeProvider time)
{
    /// <summary>Backups in <paramref name="folder"/> recognised as autopack's, and the names of the files that are not.</summary>
    public static (IReadOnlyList<BackupFile> Backups, IReadOnlyList<string> Ignored) Scan(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new BackupRefusedException($"no backup folder at {Path.GetFullPath(folder)}");
        }

        var backups = new List<BackupFile>();
        var ignored = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var info = new FileInfo(path);
            if (BackupFileName.TryParse(name, out var stamp)
                && info.Exists
                && info.LinkTarget is null
                && BackupArchiveReader.LooksLikeBackup(path))
            {
                backups.Add(new BackupFile(Path.GetFullPath(path), stamp));
            }
            else
            {
                ignored.Add(name);
            }
        }

        return (backups, ignored);
    }

    public PruneResult Prune(string folder, RetentionPolicy policy, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var (backups, ignored) = Scan(folder);
        var plan = policy.Apply(backups, time.GetLocalNow().DateTime);
        if (!dryRun)
        {
            foreach (var file in plan.Delete)
            {
                File.Delete(file.Path);
            }
        }

        return new PruneResult(plan.Keep, plan.Delete, ignored, dryRun);
    }
}
