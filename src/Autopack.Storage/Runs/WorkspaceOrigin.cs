namespace Autopack.Storage.Runs;

/// <summary>Where a run's branch starts: its repository (absolute) and the resolved base commit, checked when the run was created.</summary>
public sealed record WorkspaceOrigin(string Repository, string BaseCommit);
