using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Backup;

/// <summary>
/// Writes a backup archive of a live installation: a consistent snapshot of the database, the runtime folder's
/// logs and artifacts, and the build-history ledger, behind a manifest of SHA-256s. Everything is written under a
/// hidden temp folder beside the output and renamed into place only when complete and fsync'd, so a failed or
/// interrupted backup never leaves a file that looks like a backup. Each backup is recorded in the events trail.
/// </summary>
public sealed class BackupWriter(SqliteDatabase database, TimeProvider time)
{
    private const UnixFileMode EntryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public SnapshotMethod SnapshotMethod { get; init; } = SnapshotMethod.OnlineBackup;

    /// <summary>Fastest (deflate level 1) by default: see docs/PERFORMANCE.md for what the other levels cost.</summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    public static string AutopackVersion { get; } =
        typeof(BackupWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BackupWriter).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public async Task<BackupResult> WriteAsync(BackupSources sources, string outputPath, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        var started = time.GetTimestamp();
        var output = Path.GetFullPath(outputPath);
        if (!File.Exists(database.FullPath))
        {
            throw new BackupRefusedException($"no database at {database.FullPath}: nothing to back up");
        }

        if (File.Exists(output) || Directory.Exists(output))
        {
            throw new BackupRefusedException($"{output} already exists; choose another --output");
        }

        var folder = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            var snapshot = Path.Combine(temp, BackupLayout.DatabaseEntry);
            var databaseBytes = DatabaseBytes();
            progress?.Report(new BackupProgress("snapshot", 0, 0));
            await DatabaseSnapshot.TakeAsync(database, snapshot, SnapshotMethod, cancellationToken).ConfigureAwait(false);
            var schema = SchemaOf(snapshot);
            progress?.Report(new BackupProgress("snapshot", databaseBytes, databaseBytes));

            var createdAt = time.GetUtcNow();
            var warnings = new List<string>();
            var entries = Plan(sources, snapshot, createdAt, output, temp, warnings);
            var manifest = await DigestAsync(entries, schema, createdAt, progress, cancellationToken).ConfigureAwait(false);

            var partial = Path.Combine(temp, "archive.partial");
            await Task.Run(() => WriteArchive(partial, manifest, entries, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(partial, output, overwrite: false);

            var archiveBytes = new FileInfo(output).Length;
            var contentBytes = entries.Sum(e => e.Length);
            await RecordAsync(output, entries.Count, archiveBytes, schema, warnings).ConfigureAwait(false);
            return new BackupResult(output, archiveBytes, contentBytes, entries.Count, schema, time.GetElapsedTime(started), warnings);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    private long DatabaseBytes()
    {
        var wal = new FileInfo(database.FullPath + "-wal");
        return new FileInfo(database.FullPath).Length + (wal.Exists ? wal.Length : 0);
    }

    private static long SchemaOf(string snapshot)
    {
        var copy = new SqliteDatabase(snapshot);
        try
        {
            var schema = new DatabaseMigrator(copy).CurrentVersion();
            return schema > 0
                ? schema
                : throw new BackupRefusedException($"{snapshot} has no schema version: run 'autopack db migrate' before backing up");
        }
        finally
        {
            SqliteConnection.ClearPool(new SqliteConnection(copy.ConnectionString));
        }
    }

    private List<PlannedEntry> Plan(BackupSources sources, string snapshot, DateTimeOffset createdAt, string output, string temp, List<string> warnings)
    {
        var entries = new List<PlannedEntry> { new(BackupLayout.DatabaseEntry, snapshot, new FileInfo(snapshot).Length, createdAt) };
        string[] excluded =
        [
            database.FullPath, database.FullPath + "-wal", database.FullPath + "-shm", database.FullPath + "-journal",
            output, temp,
        ];
        entries.AddRange(RuntimeFileSelection.Select(Path.GetFullPath(sources.RuntimeDirectory), excluded, warnings));
        if (sources.BuildHistoryPath is { } history && File.Exists(history))
        {
            var info = new FileInfo(history);
            entries.Add(new PlannedEntry(BackupLayout.BuildHistoryEntry, info.FullName, info.Length, info.LastWriteTimeUtc));
        }

        return entries;
    }

    private static async Task<BackupManifest> DigestAsync(
        List<PlannedEntry> entries, long schema, DateTimeOffset createdAt, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var total = entries.Sum(e => e.Length);
        long done = 0;
        var digests = new List<BackupManifestEntry>(entries.Count);
        foreach (var entry in entries)
        {
            var sha = await FileDigest.Sha256Async(entry.SourcePath, entry.Length, n => Advance(ref done, n, total, "checksums", progress), cancellationToken)
                .ConfigureAwait(false);
            digests.Add(new BackupManifestEntry(entry.EntryName, entry.Length, sha));
        }

        return new BackupManifest(BackupLayout.FormatVersion, schema, createdAt, Environment.MachineName, AutopackVersion, digests);
    }

    private void WriteArchive(string partial, BackupManifest manifest, List<PlannedEntry> entries, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var total = entries.Sum(e => e.Length);
        long done = 0;
        using var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, VerifiedSliceStream.CopyBufferSize);
        using var gzip = new ParallelGzipStream(file, CompressionLevel, Environment.ProcessorCount);
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            var manifestBytes = manifest.ToJsonBytes();
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, BackupLayout.ManifestEntry)
            {
                DataStream = new MemoryStream(manifestBytes),
                ModificationTime = manifest.CreatedAt,
                Mode = EntryMode,
            });

            for (var i = 0; i < entries.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = entries[i];
                var tarEntry = new PaxTarEntry(TarEntryType.RegularFile, entry.EntryName) { ModificationTime = entry.ModifiedAt, Mode = EntryMode };

                // An empty file is never opened: a fifo or socket that slipped into the runtime folder would block a read.
                // The snapshot is this backup's own file, so its digest is not taken a second time.
                using var data = entry.Length == 0
                    ? null
                    : new VerifiedSliceStream(
                        FileDigest.OpenRead(entry.SourcePath), entry.SourcePath, entry.Length,
                        entry.EntryName == BackupLayout.DatabaseEntry ? null : manifest.Entries[i].Sha256,
                        n => Advance(ref done, n, total, "archive", progress), cancellationToken);
                tarEntry.DataStream = data;
                tar.WriteEntry(tarEntry);
            }
        }

        gzip.Complete();
        file.Flush(flushToDisk: true);
    }

    private async Task RecordAsync(string output, int files, long bytes, long schema, List<string> warnings)
    {
        try
        {
            await new EventLog(database, time)
                .AppendAsync("backup", $"backup written to {output}: {files} files, {bytes} bytes, schema {schema}")
                .ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            // The archive is complete and in place; a busy database must not turn a good backup into a failed command.
            warnings.Add($"backup not recorded in the events trail: {ex.Message}");
        }
    }

    private static void Advance(ref long done, long read, long total, string stage, IProgress<BackupProgress>? progress)
    {
        done += read;
        progress?.Report(new BackupProgress(stage, done, total));
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left behind only when the disk itself fails; the name is hidden and never taken for a backup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
