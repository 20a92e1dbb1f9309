namespace Autopack.Storage.Backup;

/// <summary>A finished backup: where it is, how big, what it holds, and anything left out (with why).</summary>
public sealed record BackupResult(
    string Path,
    long ArchiveBytes,
    long ContentBytes,
    int Files,
    long SchemaVersion,
    TimeSpan Elapsed,
    IReadOnlyList<string> Warnings)
{
    /// <summary>What deflated the archive: <c>ISA-L</c> (libisal2 installed, level 1) or <c>zlib</c>.</summary>
    public string Deflate { get; init; } = "zlib";
}
