namespace Autopack.Storage.Backup;

/// <summary>
/// What a backup takes besides the database: the runtime folder (logs and artifacts, not control or temp files)
/// and the build-history ledger, when it exists.
/// </summary>
public sealed record BackupSources(string RuntimeDirectory, string? BuildHistoryPath);
