namespace Autopack.Api.Runs;

/// <summary>A commit on the run branch: the sha and the phase it came from.</summary>
public sealed record CommitView(string Sha, string PhaseId, string PhaseName);
