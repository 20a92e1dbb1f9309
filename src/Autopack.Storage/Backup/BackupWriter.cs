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

    public SnapshotMethod SnapshotMethod { get; init; } = SnapshotMethod.PinnedFile;

    /// <summary>Fastest (deflate level 1) by default: see docs/PERFORMANCE.md for what the other levels cost.</summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>
    /// Deflates with ISA-L (libisal2) when it is installed and the level is <see cref="CompressionLevel.Fastest"/>,
    /// zlib otherwise (ADR-044). False always uses zlib (kept to measure against).
    /// </summary>
    public bool AcceleratedDeflate { get; init; } = true;

    /// <summary>
    /// Blocks compressed (and hashed) at once by thread-pool tasks while the archive's files are read; 0 compresses on
    /// the reading thread (a plain GZipStream's way, kept to measure against). Each block in flight holds 12 MiB (its 4
    /// MiB and a pooled output buffer of 8 MiB). Twice the cores was measured too and did not help beyond the noise
    /// (docs/PERFORMANCE.md, ADR-046).
    /// </summary>
    public int CompressionThreads { get; init; } = DefaultCompressionThreads;

    /// <summary>One block in flight per core: see <see cref="CompressionThreads"/>.</summary>
    public static int DefaultCompressionThreads => Environment.ProcessorCount;

    public static string AutopackVersion { get; } =
        typeof(BackupWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BackupWriter).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// Writes the backup to <paramref name="outputPath"/>. Any failure (a refusal, a disk error, a file that shrank)
    /// is recorded as a <c>backup_failed</c> event naming the output and the reason, then thrown; when the database
    /// itself cannot take the event (missing, never migrated, unwritable) the exception is the only record.
    /// </summary>
    public async Task<BackupResult> WriteAsync(BackupSources sources, string outputPath, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        var output = Path.GetFullPath(outputPath);
        try
        {
            return await WriteCoreAsync(sources, output, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await RecordFailureAsync(output, ex).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<BackupResult> WriteCoreAsync(BackupSources sources, string output, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
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
        var warnings = ScratchFolder.RemoveStale([folder], time).Select(f => $"removed {f}, left by a backup or restore that was killed").ToList();
        var temp = Path.Combine(folder, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        ScratchFolder.Create(temp);
        try
        {
            var databaseBytes = DatabaseBytes();
            progress?.Report(new BackupProgress("snapshot", 0, 0));

            // The live file held still and read straight into the archive (ADR-035); a scratch copy only when it cannot be.
            using var pinned = SnapshotMethod == SnapshotMethod.PinnedFile ? PinnedDatabaseFile.TryPin(database) : null;
            string snapshot;
            long schema;
            if (pinned is not null)
            {
                snapshot = pinned.Path;
                schema = pinned.SchemaVersion > 0 ? pinned.SchemaVersion : throw NotMigrated(database.FullPath);
            }
            else
            {
                if (SnapshotMethod == SnapshotMethod.PinnedFile)
                {
                    warnings.Add("the database's WAL could not be emptied (writers or readers kept it busy): an online-backup copy was taken instead");
                }

                snapshot = Path.Combine(temp, BackupLayout.DatabaseEntry);
                var method = SnapshotMethod == SnapshotMethod.VacuumInto ? SnapshotMethod.VacuumInto : SnapshotMethod.OnlineBackup;
                await DatabaseSnapshot.TakeAsync(database, snapshot, method, cancellationToken).ConfigureAwait(false);
                schema = SchemaOf(snapshot, database.FullPath);
            }

            progress?.Report(new BackupProgress("snapshot", databaseBytes, databaseBytes));

            // Whole seconds: the manifest's tar header holds no finer time, and the manifest should say what the header says.
            var now = time.GetUtcNow();
            var createdAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
            var entries = Plan(sources, snapshot, pinned?.Length ?? new FileInfo(snapshot).Length, createdAt, output, temp, warnings);

            var partial = Path.Combine(temp, "archive.partial");
            var (written, deflate) = await Task.Run(() => WriteArchive(partial, schema, createdAt, entries, warnings, progress, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(partial, output, overwrite: false);

            var archiveBytes = new FileInfo(output).Length;
            var contentBytes = written.Sum(e => e.Size);
            await RecordAsync(output, written.Count, archiveBytes, schema, warnings).ConfigureAwait(false);
            return new BackupResult(output, archiveBytes, contentBytes, written.Count, schema, time.GetElapsedTime(started), warnings)
            {
                Deflate = deflate,
            };
        }
        finally
        {
            ScratchFolder.DeleteQuietly(temp);
        }
    }

    private bool UsesIsal => AcceleratedDeflate && CompressionLevel == CompressionLevel.Fastest && IsalDeflate.IsAvailable;

    private long DatabaseBytes()
    {
        var wal = new FileInfo(database.FullPath + "-wal");
        return new FileInfo(database.FullPath).Length + (wal.Exists ? wal.Length : 0);
    }

    private static long SchemaOf(string snapshot, string live)
    {
        var copy = new SqliteDatabase(snapshot);
        try
        {
            var schema = new DatabaseMigrator(copy).CurrentVersion();
            return schema > 0 ? schema : throw NotMigrated(live);
        }
        finally
        {
            SqliteConnection.ClearPool(new SqliteConnection(copy.ConnectionString));
        }
    }

    private static BackupRefusedException NotMigrated(string live) =>
        new($"{live} has no schema version (not an autopack database?): run 'autopack db migrate' before backing up");

    private List<PlannedEntry> Plan(BackupSources sources, string snapshot, long snapshotLength, DateTimeOffset createdAt, string output, string temp, List<string> warnings)
    {
        var entries = new List<PlannedEntry> { new(BackupLayout.DatabaseEntry, snapshot, snapshotLength, createdAt) };
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

    /// <summary>
    /// One pass: each file is read once, its SHA-256 taken while it is compressed. The manifest must be the first
    /// entry, yet its digests are known only at the end; so the body is written after a reserved region exactly
    /// as long as the manifest's gzip member will be, and the member is written into that region last. The member
    /// is stored, not deflated, so its length depends only on the manifest's, which placeholder digests of the
    /// same width give in advance; a file that vanishes meanwhile shortens the manifest, which is then padded with
    /// spaces (valid JSON) to the reserved length. An earlier version took every digest in a pass of its own before
    /// archiving; that pass was a seventh of a backup's time (docs/PERFORMANCE.md).
    /// </summary>
    private (List<BackupManifestEntry> Digests, string Deflate) WriteArchive(
        string partial, long schema, DateTimeOffset createdAt, List<PlannedEntry> entries, List<string> warnings, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var placeholder = Manifest(schema, createdAt, entries.Select(e => new BackupManifestEntry(e.EntryName, e.Length, DigestingSliceStream.EmptySha256))).ToJsonBytes();
        var reserved = ManifestMember(placeholder, createdAt).Length;
        var total = entries.Sum(e => e.Length);
        long done = 0;
        var archived = new List<(PlannedEntry Entry, EntryDigest? Digest)>(entries.Count);

        using var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, DigestingSliceStream.CopyBufferSize);
        file.Position = reserved;
        using var writeback = new WritebackStream(file);
        string deflate;
        using (var gzip = new ParallelGzipStream(writeback, CompressionLevel, Math.Max(0, CompressionThreads), accelerated: UsesIsal))
        {
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var entry in entries)
                {
                    cancellationToken.ThrowIfCancellationRequested();

                    // An empty file is never opened: a fifo or socket that slipped into the runtime folder would block a read.
                    using var data = entry.Length == 0 ? null : Open(entry, warnings, n => Advance(ref done, n, total, "archive", progress), cancellationToken);
                    if (entry.Length > 0 && data is null)
                    {
                        continue;
                    }

                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry.EntryName) { ModificationTime = entry.ModifiedAt, Mode = EntryMode, DataStream = data });
                    archived.Add((entry, data?.Digest));
                }
            }

            // The digests of what was copied into the blocks are finished here, once every block is hashed.
            gzip.Complete();
            deflate = gzip.IsalMembers == 0 ? "zlib" : gzip.IsalMembers == gzip.Members ? "ISA-L" : $"ISA-L ({gzip.Members - gzip.IsalMembers} of {gzip.Members} blocks by zlib)";
        }

        var digests = archived.Select(a => new BackupManifestEntry(
            a.Entry.EntryName, a.Entry.Length, a.Digest is null ? DigestingSliceStream.EmptySha256 : a.Digest.Value ?? throw new InvalidOperationException($"{a.Entry.EntryName} was not read to its end"))).ToList();
        var json = Manifest(schema, createdAt, digests).ToJsonBytes();
        if (json.Length > placeholder.Length)
        {
            throw new InvalidOperationException($"the manifest grew from {placeholder.Length} to {json.Length} bytes while archiving");
        }

        var padded = new byte[placeholder.Length];
        json.CopyTo(padded, 0);
        padded.AsSpan(json.Length).Fill((byte)' ');
        var member = ManifestMember(padded, createdAt);
        if (member.Length != reserved)
        {
            throw new InvalidOperationException($"the manifest's gzip member is {member.Length} bytes, {reserved} were reserved");
        }

        writeback.Finish();
        file.Position = 0;
        file.Write(member);
        file.Flush(flushToDisk: true);
        return (digests, deflate);
    }

    /// <summary>Opens a planned file; a runtime file deleted since it was listed is left out with a warning (never the snapshot).</summary>
    private static DigestingSliceStream? Open(PlannedEntry entry, List<string> warnings, Action<long> onRead, CancellationToken cancellationToken)
    {
        try
        {
            return new DigestingSliceStream(SourceFile.OpenRead(entry.SourcePath), entry.SourcePath, entry.Length, onRead, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException && entry.EntryName != BackupLayout.DatabaseEntry)
        {
            warnings.Add($"left out {entry.SourcePath}: deleted while the backup ran");
            return null;
        }
    }

    private static BackupManifest Manifest(long schema, DateTimeOffset createdAt, IEnumerable<BackupManifestEntry> entries) =>
        new(BackupLayout.FormatVersion, schema, createdAt, Environment.MachineName, AutopackVersion, entries.ToList());

    /// <summary>manifest.json as one tar entry (a ustar header: fixed size, no timestamps of its own) in one stored gzip member.</summary>
    private static byte[] ManifestMember(byte[] json, DateTimeOffset createdAt)
    {
        using var tarBytes = new MemoryStream();
        var tar = new TarWriter(tarBytes, TarEntryFormat.Ustar, leaveOpen: true);
        tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, BackupLayout.ManifestEntry)
        {
            DataStream = new MemoryStream(json),
            ModificationTime = createdAt,
            Mode = EntryMode,
        });

        // Taken before the writer is disposed: disposing appends the end-of-archive blocks, which belong at the very end.
        var entry = tarBytes.ToArray();
        tar.Dispose();
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.NoCompression, leaveOpen: true))
        {
            gzip.Write(entry);
        }

        return member.ToArray();
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

    private async Task RecordFailureAsync(string output, Exception failure)
    {
        if (!File.Exists(database.FullPath))
        {
            // Opening it would create an empty database.
            return;
        }

        try
        {
            await new EventLog(database, time)
                .AppendAsync("backup_failed", $"backup to {output} failed: {failure.Message.ReplaceLineEndings(" ")}")
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or IOException)
        {
            // The database is what failed (or has no events table yet): the thrown failure is the record.
        }
    }

    private static void Advance(ref long done, long read, long total, string stage, IProgress<BackupProgress>? progress)
    {
        done += read;
        progress?.Report(new BackupProgress(stage, done, total));
    }
}
