using Autopack.Api.Runs;

namespace Autopack.Api.Dashboard;

/// <summary>A phase's attempts that left files.</summary>
public sealed record PhaseAttemptsView(string PhaseId, string PhaseName, IReadOnlyList<AttemptView> Attempts);
