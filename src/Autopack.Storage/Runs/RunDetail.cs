using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>A run with its tiers and phases, and the tokens used by it and by each phase (from budget_totals).</summary>
public sealed record RunDetail(RunRow Run, long TokensUsed, IReadOnlyDictionary<string, long> PhaseTokensUsed);
