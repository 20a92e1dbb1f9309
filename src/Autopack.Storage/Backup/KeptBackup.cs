namespace Autopack.Storage.Backup;

/// <summary>A backup retention keeps, and the first rule that keeps it (e.g. <c>daily 2026-11-25</c>).</summary>
public sealed record KeptBackup(BackupFile File, string Reason);
