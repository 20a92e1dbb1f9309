using System.Buffers;
using System.Security.Cryptography;

namespace Autopack.Storage.Backup;

/// <summary>SHA-256 of a file's first <c>length</c> bytes, read in large blocks.</summary>
internal static class FileDigest
{
    public static async Task<string> Sha256Async(string path, long length, Action<long>? onRead, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(VerifiedSliceStream.CopyBufferSize);
        try
        {
            await using var stream = OpenRead(path);
            var remaining = length;
            while (remaining > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"{path} shrank while it was being backed up; run the backup again");
                }

                hash.AppendData(buffer, 0, read);
                remaining -= read;
                onRead?.Invoke(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Opens for a sequential read that tolerates writers (logs being appended to).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
}
