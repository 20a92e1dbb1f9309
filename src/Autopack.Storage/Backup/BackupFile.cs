namespace Autopack.Storage.Backup;

/// <summary>A backup file found in a backup folder, with the (local) time its name carries.</summary>
public sealed record BackupFile(string Path, DateTime Time);
