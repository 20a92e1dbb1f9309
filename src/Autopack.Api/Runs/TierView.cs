namespace Autopack.Api.Runs;

/// <summary>A tier of a run with its phases in order.</summary>
public sealed record TierView(string Name, int Position, IReadOnlyList<PhaseView> Phases);
