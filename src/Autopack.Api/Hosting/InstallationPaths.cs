using Autopack.Domain.Settings;

namespace Autopack.Api.Hosting;

/// <summary>
/// The files the server uses, resolved against the working directory it was started in (where autopack.json
/// lives), so a relative <c>AUTOPACK_DB</c> means the same file to the server, the executors and the CLI.
/// </summary>
public sealed class InstallationPaths(string workingDirectory, AutopackSettings settings)
{
    public string WorkingDirectory { get; } = Path.GetFullPath(workingDirectory);

    public string DatabasePath => Resolve(settings.DatabasePath);

    public string RunsDirectory => Resolve(settings.RunsDirectory);

    public string LogPath => Resolve(settings.LogPath);

    public string Resolve(string path) => Path.GetFullPath(path, WorkingDirectory);
}
