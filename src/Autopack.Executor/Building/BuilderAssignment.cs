using Autopack.Domain.Plans;
using Autopack.Executor.Calls;

namespace Autopack.Executor.Building;

/// <summary>What one builder attempt is asked to do, where, and what it may touch.</summary>
public sealed record BuilderAssignment(
    CallTarget Target,
    string RunGoal,
    string PhaseName,
    string PhaseGoal,
    int Attempt,
    string? PreviousRejection,
    string WorktreePath,
    IReadOnlyList<string>? Scope,
    int MaxTurns,
    IReadOnlyList<OfflineEdit> OfflineEdits,
    string TranscriptPath);
