using Autopack.Storage.Database;
using Autopack.Storage.Events;

namespace Autopack.Storage.Backup;

/// <summary>
/// Restores a backup over (or into) an installation. The whole archive is read and verified in a staging folder
/// beside the database before anything is touched; the current installation is checked (no executor alive, no
/// runs unless forced); the restored database is migrated forward if older and must pass PRAGMA integrity_check;
/// then the current database is kept beside the new one, the new one is renamed over it, and the runtime files and
/// ledger are put in place. Any refusal leaves the current database byte-identical.
/// </summary>
public sealed class BackupRestorer(TimeProvider time)
{
    public async Task<RestoreResult> RestoreAsync(
        string archivePath, RestoreTarget target, RestoreOptions options, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(archivePath);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var started = time.GetTimestamp();
        var archive = Path.GetFullPath(archivePath);
        if (!File.Exists(archive))
        {
            throw new BackupRefusedException($"no backup at {archive}");
        }

        var current = new SqliteDatabase(target.DatabasePath);
        var folder = Path.GetDirectoryName(current.FullPath)!;
        Directory.CreateDirectory(folder);
        await InstallationGuard.CheckAsync(current, options, time, cancellationToken).ConfigureAwait(false);

        ScratchFolder.RemoveStale([folder], time);
        var staging = Path.Combine(folder, $".autopack-restore-{Guid.NewGuid():N}.tmp");
        SqliteDatabase? restored = null;
        try
        {
            ScratchFolder.Create(staging);
            var staged = await BackupArchiveReader.ExtractAsync(archive, staging, progress, cancellationToken).ConfigureAwait(false);
            restored = new SqliteDatabase(staged.DatabasePath);
            var schema = Prepare(restored, staged.Manifest, progress);

            // Checked again: an executor may have started while the archive was read.
            await InstallationGuard.CheckAsync(current, options, time, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new BackupProgress("swap", 0, 0));
            var kept = DatabaseSwap.KeepCurrent(current, time);
            DatabaseSwap.Replace(current, staged.DatabasePath);
            var files = RestoreRuntimeFiles(staged, target.RuntimeDirectory);
            var ledger = RestoreBuildHistory(staged, target.BuildHistoryPath);

            var manifest = staged.Manifest;
            await new EventLog(current, time).AppendAsync(
                "restore",
                $"restored from {archive} (backup of {manifest.Host} at {DbTime.ToText(manifest.CreatedAt)}, schema {manifest.SchemaVersion} -> {schema})"
                + (kept is null ? string.Empty : $"; previous database kept as {kept}"),
                cancellationToken: CancellationToken.None).ConfigureAwait(false);
            return new RestoreResult(current.FullPath, kept, manifest.SchemaVersion, schema, files, ledger, manifest, time.GetElapsedTime(started));
        }
        finally
        {
            if (restored is not null)
            {
                DatabaseSwap.Release(restored);
            }

            DatabaseSwap.Release(current);
            ScratchFolder.DeleteQuietly(staging);
        }
    }

    /// <summary>Checks the staged database against its manifest, migrates it forward, and integrity-checks it.</summary>
    private static long Prepare(SqliteDatabase restored, BackupManifest manifest, IProgress<BackupProgress>? progress)
    {
        var migrator = new DatabaseMigrator(restored);
        var schema = migrator.CurrentVersion();
        if (schema != manifest.SchemaVersion)
        {
            throw new BackupRefusedException($"the backup's database is at schema {schema} but its manifest says {manifest.SchemaVersion}");
        }

        if (schema < DatabaseMigrator.LatestVersion)
        {
            progress?.Report(new BackupProgress("migrate", 0, 0));
            try
            {
                migrator.MigrateUp();
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not BackupRefusedException)
            {
                throw new BackupRefusedException($"migrating the backup's schema {schema} forward failed: {ex.Message}", ex);
            }

            schema = migrator.CurrentVersion();
        }

        progress?.Report(new BackupProgress("integrity", 0, 0));
        var check = IntegrityCheck(restored);
        if (check is not ["ok"])
        {
            throw new BackupRefusedException($"the backup's database fails PRAGMA integrity_check: {string.Join("; ", check.Take(3))}");
        }

        DatabaseSwap.Release(restored);
        return schema;
    }

    /// <summary>
    /// PRAGMA integrity_check with a large page cache and memory-mapped reads: the check revisits index pages, and
    /// the default 2 MB cache made it most of a restore's time (docs/PERFORMANCE.md). Checkpoints afterwards, so the
    /// file alone holds everything when it is renamed into place.
    /// </summary>
    private static List<string> IntegrityCheck(SqliteDatabase restored)
    {
        using var connection = restored.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA cache_size=-262144; PRAGMA mmap_size=4294967296;";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA integrity_check";
        var lines = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                lines.Add(reader.GetString(0));
            }
        }

        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
        return lines;
    }

    private static int RestoreRuntimeFiles(StagedBackup staged, string runtimeDirectory)
    {
        var root = Path.GetFullPath(runtimeDirectory);
        var count = 0;
        foreach (var entry in staged.RuntimeEntries)
        {
            var relative = entry.Path[BackupLayout.RuntimePrefix.Length..].Replace('/', Path.DirectorySeparatorChar);
            var destination = Path.GetFullPath(Path.Combine(root, relative));
            EnsureNoLinkOnTheWay(root, destination);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Move(staged.PathOf(entry.Path), destination, overwrite: true);
            count++;
        }

        return count;
    }

    private bool RestoreBuildHistory(StagedBackup staged, string buildHistoryPath)
    {
        if (!staged.HasBuildHistory)
        {
            return false;
        }

        var source = staged.PathOf(BackupLayout.BuildHistoryEntry);
        var destination = Path.GetFullPath(buildHistoryPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (File.Exists(destination) && !File.ReadAllBytes(destination).AsSpan().SequenceEqual(File.ReadAllBytes(source)))
        {
            // The ledger is append-only: the one being replaced is kept, never lost.
            File.Copy(destination, $"{destination}.replaced-{time.GetLocalNow():yyyyMMdd-HHmmss}", overwrite: true);
        }

        File.Move(source, destination, overwrite: true);
        return true;
    }

    /// <summary>Refuses to write through a symlinked folder in the runtime folder (it could point anywhere).</summary>
    private static void EnsureNoLinkOnTheWay(string root, string destination)
    {
        if (!destination.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BackupRefusedException($"'{destination}' is outside the runtime folder {root}");
        }

        for (var folder = Path.GetDirectoryName(destination); folder is not null && folder.Length > root.Length; folder = Path.GetDirectoryName(folder))
        {
            if (Directory.Exists(folder) && new DirectoryInfo(folder).LinkTarget is not null)
            {
                throw new BackupRefusedException($"'{folder}' in the runtime folder is a symbolic link; not restoring through it");
            }
        }
    }
}
