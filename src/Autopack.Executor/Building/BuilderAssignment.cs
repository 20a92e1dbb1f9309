using Autopack.Domain.Plans;
using Autopack.Executor.Calls;

namespace Autopack.Executor.Building;

/// <summary>
/// What one builder attempt is asked to do, where, and what it may touch; <see cref="Model"/> is the model this attempt
/// uses (the plan's <c>models</c>, attempt N's), null for the provider's configured one.
/// </summary>
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
    string TranscriptPath,
    string? Model = null);
