namespace Autopack.Storage.Backup;

/// <summary>Removal of the hidden staging and temp folders backup and restore work in.</summary>
internal static class ScratchFolder
{
    /// <summary>
    /// Deletes the folder if it exists, never throwing: it is left behind only when the disk itself fails, and its
    /// hidden name is never taken for a backup or an installation.
    /// </summary>
    public static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
