namespace Autopack.Api.Runs.Plan;

/// <summary>The run's git repository (absolute or relative to the server's folder) and the commit-ish to start from.</summary>
public sealed record WorkspaceDocument(string? Repository, string? Base);

