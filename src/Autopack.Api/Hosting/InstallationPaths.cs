using Autopack.Storage;
using Autopack.Storage.Database;

namespace Autopack.Api.Hosting;

/// <summary>
/// The files the server uses, resolved against the working directory it was started in (where autopack.json
/// lives), so a relative <c>AUTOPACK_DB</c> means the same file to the server, the executors and the CLI.
/// </summary>
public sealed class InstallationPaths(string workingDirectory, StorageSettings storage, ApiSettings settings)
{
    public string WorkingDirectory { get; } = Path.GetFullPath(workingDirectory);

    /// <summary><c>AUTOPACK_DB</c>: the SQLite file's full path, or the PostgreSQL connection as given.</summary>
    public string DatabasePath => AutopackDatabase.ResolveSetting(storage.DatabasePath, WorkingDirectory);

    public string RunsDirectory => Resolve(storage.RunsDirectory);

    public string LogPath => Resolve(settings.LogPath);

    public string Resolve(string path) => Path.GetFullPath(path, WorkingDirectory);
}
