namespace Autopack.Storage.Backup;

/// <summary>A backup read whole and verified against its manifest, its files extracted under <see cref="Folder"/>.</summary>
public sealed record StagedBackup(string Folder, BackupManifest Manifest)
{
    /// <summary>Where an entry of the manifest was extracted to.</summary>
    public string PathOf(string entryName) => Path.Combine(Folder, entryName.Replace('/', Path.DirectorySeparatorChar));

    public string DatabasePath => PathOf(BackupLayout.DatabaseEntry);

    public IEnumerable<BackupManifestEntry> RuntimeEntries =>
        Manifest.Entries.Where(e => e.Path.StartsWith(BackupLayout.RuntimePrefix, StringComparison.Ordinal));

    public bool HasBuildHistory => Manifest.Entries.Any(e => e.Path == BackupLayout.BuildHistoryEntry);
}
