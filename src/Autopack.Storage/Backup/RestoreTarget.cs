namespace Autopack.Storage.Backup;

/// <summary>Where a restore puts things: the database file, the runtime folder and the build-history ledger.</summary>
public sealed record RestoreTarget(string DatabasePath, string RuntimeDirectory, string BuildHistoryPath);
