namespace Autopack.Storage.Backup;

/// <summary>How backup and restore open the files they read.</summary>
internal static class SourceFile
{
    /// <summary>Opens for a sequential read that tolerates writers (logs being appended to).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
}
