namespace Autopack.Storage.Backup;

/// <summary>A file chosen for a backup: its archive name, where it is read from, and the bytes of it taken.</summary>
internal sealed record PlannedEntry(string EntryName, string SourcePath, long Length, DateTimeOffset ModifiedAt);
