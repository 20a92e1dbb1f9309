namespace Autopack.Workspace.Git;

/// <summary>A plan's workspace refused: <see cref="Field"/> names the plan field
/// (<c>workspace.repository</c> or <c>workspace.base</c>) and the message says why in one line.</summary>
public sealed class WorkspaceException(string field, string message) : Exception(message)
{
    public const string RepositoryField = "workspace.repository";
    public const string BaseField = "workspace.base";

    public string Field { get; } = field;
}
