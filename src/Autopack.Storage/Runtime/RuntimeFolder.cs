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
}
