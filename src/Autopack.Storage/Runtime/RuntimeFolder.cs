namespace Autopack.Storage.Runtime;

/// <summary>
/// The runtime folder (<c>.autonomous_runs/</c>): control files at its top, one folder per run with its
/// executor.log and workspace.
/// </summary>
public sealed class RuntimeFolder(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string ControlFilePath(ControlKind kind) => System.IO.Path.Combine(Path, ControlCommand.FileNameOf(kind));

    public string RunFolder(string runId) => System.IO.Path.Combine(Path, runId);

    public string ExecutorLogPath(string runId) => System.IO.Path.Combine(RunFolder(runId), "executor.log");

    public string WorkspacePath(string runId) => System.IO.Path.Combine(RunFolder(runId), "workspace");

    public string PhaseFolder(string runId, string phaseId) => System.IO.Path.Combine(RunFolder(runId), "phases", phaseId);

    public AttemptFiles Attempt(string runId, string phaseId, int attempt) => new(PhaseFolder(runId, phaseId), attempt);

    /// <summary>
    /// Writes a control file the way an operator's echo does, but atomically (temp file + rename), so a watcher
    /// never reads half a command.
    /// </summary>
    public string WriteControlFile(ControlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Directory.CreateDirectory(Path);
        var target = ControlFilePath(command.Kind);
        var temp = System.IO.Path.Combine(Path, $".tmp-{Guid.NewGuid():N}");
        File.WriteAllText(temp, command.Content + "\n");
        File.Move(temp, target, overwrite: true);
        return target;
    }
}
