using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>
/// The SHA-256 of one archived file's bytes (the manifest's digest): appended to in order, either by the thread
/// that reads the file or, for the database and other files copied into the backup's <see cref="ParallelGzipStream"/>,
/// by its compressing tasks, one block after another (ADR-046).
/// </summary>
internal sealed class EntryDigest : IDisposable
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? value;

    /// <summary>The digest, lower-case hex, once <see cref="Finish"/> ran.</summary>
    public string? Value => value;

    public void Append(ReadOnlySpan<byte> data) => hash.AppendData(data);

    /// <summary>Ends the digest (idempotent) and returns it.</summary>
    public string Finish()
    {
        if (value is null)
        {
            value = Convert.ToHexStringLower(hash.GetHashAndReset());
            hash.Dispose();
        }

        return value;
    }

    public void Dispose() => hash.Dispose();
}
