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
    /// <summary>
    /// What deflated the archive's blocks: <c>ISA-L</c> (libisal2 installed, level 1), <c>zlib</c>, or ISA-L with the
    /// count of blocks it refused and zlib took.
    /// </summary>
    public string Deflate { get; init; } = "zlib";
}
