namespace Autopack.Storage.Backup;

/// <summary>What a <see cref="RetentionPolicy"/> decided for a set of backups: which to keep (and why) and which to delete.</summary>
public sealed record RetentionPlan(IReadOnlyList<KeptBackup> Keep, IReadOnlyList<BackupFile> Delete);
