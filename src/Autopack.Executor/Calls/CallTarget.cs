namespace Autopack.Executor.Calls;

/// <summary>The phase (and its run) a provider call is charged to.</summary>
public sealed record CallTarget(string RunId, string PhaseId, string PhaseName, string Provider, string OwnerId);
