namespace Autopack.Api.Logging;

/// <summary>
/// Where the structured log goes: the AUTOPACK_LOG_PATH file when its folder can be created and the file
/// opened for appending, otherwise nowhere but the console (<see cref="Problem"/> says why).
/// </summary>
public sealed record LogDestination(string Path, string? Problem)
{
    public bool FileUsable => Problem is null;

    public static LogDestination Prepare(string path)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            using var probe = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            return new LogDestination(path, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return new LogDestination(path, ex.Message);
        }
    }
}
