using System.Buffers;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>
/// Reads a backup archive whole into a staging folder and verifies it against its manifest before anything else
/// looks at it: the manifest first (format and schema this build can take), then every entry: a regular file, a
/// safe relative name the manifest lists, once, with the size and SHA-256 it promises; and at the end, every
/// listed entry present. Links, devices, fifos, absolute or '..' paths and unlisted entries are refused, never
/// extracted. Any failure throws <see cref="BackupRefusedException"/>; the caller owns (and deletes) the staging folder.
/// </summary>
public static class BackupArchiveReader
{
    public static async Task<StagedBackup> ExtractAsync(string archivePath, string stagingFolder, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(archivePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(stagingFolder);
        if (!File.Exists(archivePath))
        {
            throw new BackupRefusedException($"no backup at {archivePath}");
        }

        Directory.CreateDirectory(stagingFolder);
        try
        {
            return await Task.Run(() => Extract(archivePath, stagingFolder, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            // TarReader, DeflateStream and VerifiedGzipStream report a truncated or corrupt archive with these.
            throw new BackupRefusedException($"{archivePath} is damaged or truncated: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// True when <paramref name="archivePath"/> starts like one of our backups: a gzip'd tar whose first entry is a
    /// manifest this build reads. Reads only the first few kilobytes; never throws for a foreign file.
    /// </summary>
    public static bool LooksLikeBackup(string archivePath)
    {
        try
        {
            using var file = SourceFile.OpenRead(archivePath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            var first = tar.GetNextEntry(copyData: false);
            if (first is null || first.Name != BackupLayout.ManifestEntry || !IsRegularFile(first) || first.Length > BackupLayout.MaxManifestBytes)
            {
                return false;
            }

            _ = ReadManifest(first);
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or ArgumentException or BackupRefusedException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static StagedBackup Extract(string archivePath, string stagingFolder, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        using var gzip = new VerifiedGzipStream(new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, DigestingSliceStream.CopyBufferSize, FileOptions.SequentialScan));
        using var tar = new TarReader(gzip);

        var first = tar.GetNextEntry(copyData: false) ?? throw new BackupRefusedException($"{archivePath} is empty: not an autopack backup");
        if (first.Name != BackupLayout.ManifestEntry)
        {
            throw new BackupRefusedException($"{archivePath} has no manifest.json as its first entry (found '{first.Name}'): not an autopack backup");
        }

        Refuse(first);
        var manifest = ReadManifest(first);
        var expected = manifest.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var total = manifest.Entries.Sum(e => e.Size);
        var free = new DriveInfo(stagingFolder).AvailableFreeSpace;
        if (total > free)
        {
            throw new BackupRefusedException($"the backup holds {total} bytes but {stagingFolder} has {free} bytes free");
        }

        long done = 0;

        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Refuse(entry);
            if (!expected.TryGetValue(entry.Name, out var listed))
            {
                throw new BackupRefusedException($"archive entry '{entry.Name}' is not in the manifest");
            }

            if (!seen.Add(entry.Name))
            {
                throw new BackupRefusedException($"archive holds '{entry.Name}' twice");
            }

            if (entry.Length != listed.Size)
            {
                throw new BackupRefusedException($"'{entry.Name}' is {entry.Length} bytes, the manifest says {listed.Size}");
            }

            var target = Path.Combine(stagingFolder, entry.Name.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var sha = CopyAndHash(entry.DataStream, target, entry.Name, entry.Length, n =>
            {
                done += n;
                progress?.Report(new BackupProgress("verify", done, total));
            }, cancellationToken);
            if (sha != listed.Sha256)
            {
                throw new BackupRefusedException($"checksum mismatch for '{entry.Name}': the archive is damaged or was altered");
            }
        }

        var missing = manifest.Entries.FirstOrDefault(e => !seen.Contains(e.Path));
        if (missing is not null)
        {
            throw new BackupRefusedException($"the manifest lists '{missing.Path}' but the archive does not hold it (truncated archive?)");
        }

        ReadToEnd(gzip, archivePath);

        return new StagedBackup(stagingFolder, manifest);
    }

    /// <summary>
    /// Reads the gzip stream past tar's end-of-archive blocks to the end of the file, so every member's CRC-32 and
    /// ISIZE is checked and nothing follows the last one; after the end-of-archive there may be only zeros.
    /// </summary>
    private static void ReadToEnd(VerifiedGzipStream gzip, string archivePath)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var read = gzip.Read(buffer); read > 0; read = gzip.Read(buffer))
            {
                if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
                {
                    throw new BackupRefusedException($"{archivePath} holds data after the end of its tar archive: not as autopack wrote it");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Refuse(TarEntry entry)
    {
        if (BackupLayout.ProblemWithEntryName(entry.Name) is { } problem)
        {
            throw new BackupRefusedException($"archive holds {problem}");
        }

        if (!IsRegularFile(entry))
        {
            var kind = entry.EntryType switch
            {
                TarEntryType.SymbolicLink => $"a symbolic link '{entry.Name}' -> '{entry.LinkName}'",
                TarEntryType.HardLink => $"a hard link '{entry.Name}' -> '{entry.LinkName}'",
                TarEntryType.CharacterDevice => $"a character device '{entry.Name}'",
                TarEntryType.BlockDevice => $"a block device '{entry.Name}'",
                TarEntryType.Fifo => $"a fifo '{entry.Name}'",
                TarEntryType.Directory => $"a directory entry '{entry.Name}'",
                _ => $"a {entry.EntryType} entry '{entry.Name}'",
            };
            throw new BackupRefusedException($"archive holds {kind}; backups hold regular files only");
        }
    }

    private static bool IsRegularFile(TarEntry entry) =>
        entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile;

    private static BackupManifest ReadManifest(TarEntry entry)
    {
        if (entry.Length > BackupLayout.MaxManifestBytes)
        {
            throw new BackupRefusedException($"manifest.json is {entry.Length} bytes: not an autopack manifest");
        }

        if (entry.DataStream is null)
        {
            throw new BackupRefusedException("manifest.json is empty");
        }

        using var buffer = new MemoryStream((int)entry.Length);
        entry.DataStream.CopyTo(buffer);
        return BackupManifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static string CopyAndHash(Stream? source, string target, string name, long length, Action<long> onRead, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
        if (source is null)
        {
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DigestingSliceStream.CopyBufferSize);
        try
        {
            long copied = 0;
            while (copied < length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = source.ReadAtLeast(buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - copied)), 1, throwOnEndOfStream: false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"the archive ends inside '{name}'");
                }

                hash.AppendData(buffer, 0, read);
                output.Write(buffer, 0, read);
                copied += read;
                onRead(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
