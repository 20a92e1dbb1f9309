namespace Autopack.Storage.Backup;

/// <summary>How far a backup or restore is: a stage name and bytes done of the stage's total (0 when unknown).</summary>
public sealed record BackupProgress(string Stage, long Done, long Total);
