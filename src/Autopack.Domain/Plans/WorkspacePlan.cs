namespace Autopack.Domain.Plans;

/// <summary>
/// A plan's <c>workspace</c>: a local git repository (absolute, or relative to the working folder) and the
/// commit-ish to start from (null: the repository's HEAD). Whether they exist is checked when the run is created.
/// </summary>
public sealed record WorkspacePlan(string? Repository = null, string? Base = null);
