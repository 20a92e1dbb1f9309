namespace Autopack.Storage.Backup;

/// <summary>
/// What <see cref="BackupPruner"/> did (or, with <see cref="DryRun"/>, would do): backups kept with why, backups
/// deleted, and files it left alone because it does not recognise them as its own.
/// </summary>
public sealed record PruneResult(IReadOnlyList<KeptBackup> Kept, IReadOnlyList<BackupFile> Deleted, IReadOnlyList<string> Ignored, bool DryRun);
