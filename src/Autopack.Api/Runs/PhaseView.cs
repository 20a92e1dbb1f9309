using Autopack.Domain.Runs;
using Autopack.Storage.Entities;
using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>
/// A phase with its status by SPEC name, attempts, tokens used against its cap, the commit it became, its external
/// builder (null: the built-in one) and its models per attempt (null: the provider's configured model).
/// </summary>
public sealed record PhaseView(
    string PhaseId,
    string RunId,
    string? Tier,
    string PhaseName,
    int Position,
    string? Category,
    string? Complexity,
    string Goal,
    string Provider,
    string? Verify,
    string Status,
    long TokenCap,
    long TokensUsed,
    int Attempts,
    int MaxAttempts,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? FailureReason,
    string? CommitSha,
    int MaxTurns,
    IReadOnlyList<string>? Scope,
    BuilderView? Builder,
    IReadOnlyList<string>? Models)
{
    public static PhaseView From(PhaseRow phase, string? tier, long tokensUsed)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return new PhaseView(
            phase.PhaseId, phase.RunId, tier, phase.PhaseName, phase.Position, phase.Category, phase.Complexity, phase.Goal,
            phase.Provider, phase.Verify, phase.Status.ToName(), phase.TokenCap, tokensUsed, phase.Attempts, phase.MaxAttempts,
            phase.CreatedAt, phase.StartedAt, phase.FinishedAt, phase.FailureReason, phase.CommitSha, phase.MaxTurns, phase.Scope(),
            BuilderView.From(phase.Builder()), phase.Models());
    }
}
