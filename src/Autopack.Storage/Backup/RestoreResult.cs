namespace Autopack.Storage.Backup;

/// <summary>A finished restore: the database now in place, where the one it replaced was kept, and what was restored.</summary>
public sealed record RestoreResult(
    string DatabasePath,
    string? ReplacedDatabasePath,
    long BackupSchemaVersion,
    long SchemaVersion,
    int RuntimeFiles,
    bool BuildHistoryRestored,
    BackupManifest Manifest,
    TimeSpan Elapsed);
