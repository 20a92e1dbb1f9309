using Autopack.Domain.Budgets;

namespace Autopack.Storage.Runs;

/// <summary>The caps a plan gets where it sets none: the run default and the phase policy.</summary>
public sealed record CapDefaults(long RunTokenCap, PhaseCapPolicy PhaseCaps);
