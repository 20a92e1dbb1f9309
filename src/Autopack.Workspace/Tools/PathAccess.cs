namespace Autopack.Workspace.Tools;

/// <summary>What a tool does with a path: reads are allowed anywhere in the worktree, writes only in the phase's scope.</summary>
public enum PathAccess
{
    Read,
    Write,
}
