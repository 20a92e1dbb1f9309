namespace Autopack.Workspace.Git;

/// <summary>A plan's workspace as checked when the run is created: the repository's top-level folder
/// (real path) and the base resolved to a full commit sha.</summary>
public sealed record RepositoryCheck(string RepositoryPath, string BaseCommit);
