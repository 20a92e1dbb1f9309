using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Executor.Running;
using Autopack.Gateway;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Building;

/// <summary>
/// A phase's builder when the plan names an external agent (<c>builder.command</c>; ADR-040): the agent runs through
/// <see cref="ExternalBuilder"/> in the worktree with the metered endpoint open to it for this attempt, on the
/// attempt's model, and its end is told to the phase runner as a <see cref="BuilderOutcome"/> like the built-in loop's:
/// exit 0 is a finished build whose output's tail is the summary the auditor reads; a non-zero exit or the timeout is
/// a failed attempt. While the agent runs, the auditor's share of the phase's budget (<see cref="ReviewShareTokens"/>)
/// is held as a reservation: the agent, not Autopack, decides when to stop, and one that spends until it is refused
/// would otherwise leave nothing for the review of its work.
/// </summary>
public sealed class AgentBuilder(ExternalBuilder external, TokenLedger ledger, BudgetSettings settings, RuntimeFolder runtime, ILogger<AgentBuilder> logger)
{
    /// <summary>How much of the agent's output the auditor reads as its summary (the whole output is in the builder log).</summary>
    public const int MaxSummaryChars = 4_000;

    /// <summary>The prompt the auditor's share allows for beyond its output: the cut diff, the summary and the goal.</summary>
    public const long ReviewPromptTokens = 10_000;

    /// <summary>
    /// The auditor's share of the phase's budget held while an external builder runs: a quarter of what the phase has
    /// left when the attempt starts, at most the auditor's output limit plus <see cref="ReviewPromptTokens"/>.
    /// </summary>
    public static long ReviewShareTokens(BudgetLedger phase, BudgetSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Math.Min(phase.Headroom / 4, settings.MaxOutputTokens + ReviewPromptTokens);
    }

    /// <exception cref="OperationCanceledException">the token was cancelled (stop, abort, an operator's timeout); the agent's process tree was killed.</exception>
    public async Task<BuilderOutcome> RunAsync(BuilderAssignment assignment, BuilderPlan builder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(builder);
        var target = assignment.Target;
        var files = runtime.Attempt(target.RunId, target.PhaseId, assignment.Attempt);
        var timeout = builder.TimeoutSeconds ?? BuilderPlan.DefaultTimeoutSeconds;
        var prompt = Prompts.Builder(assignment.RunGoal, assignment.PhaseName, assignment.PhaseGoal, assignment.Attempt, assignment.PreviousRejection, assignment.Scope);
        var attempt = new GatewayAttempt(target.RunId, target.PhaseId, target.PhaseName, target.Provider, assignment.Model, target.OwnerId);

        var share = await HoldReviewShareAsync(target.RunId, target.PhaseId, target.OwnerId, cancellationToken).ConfigureAwait(false);
        ExternalBuilderResult result;
        try
        {
            result = await external.RunAsync(
                new ExternalBuilderAssignment(builder.Command, assignment.WorktreePath, TimeSpan.FromSeconds(timeout), attempt, prompt, files),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (share is not null)
            {
                await ledger.ReleaseAsync(share, CancellationToken.None).ConfigureAwait(false);
            }
        }

        var requests = result.Usage.Requests;
        var tokens = result.Usage.TokensCharged;
        if (result.Succeeded)
        {
            var summary = result.OutputTail.Length <= MaxSummaryChars ? result.OutputTail : result.OutputTail[^MaxSummaryChars..];
            return new BuilderOutcome(true, summary.Trim().Length == 0 ? "(the external builder printed nothing)" : summary, requests, tokens);
        }

        var problem = result.TimedOut
            ? $"the external builder did not end within builder.timeout_seconds ({timeout}); its process tree was killed"
            : $"the external builder exited with code {result.ExitCode}";
        var tail = LastLines(result.OutputTail);
        problem = tail.Length == 0 ? problem : $"{problem}: {tail}";
        logger.LogInformation("phase {PhaseId} attempt {Attempt}: {Problem}", target.PhaseId, assignment.Attempt, problem);
        return new BuilderOutcome(false, string.Empty, requests, tokens, problem);
    }

    /// <summary>The auditor's share as a reservation of the phase (and its run); null when the phase has nothing left to hold.</summary>
    private async Task<TokenReservation?> HoldReviewShareAsync(string runId, string phaseId, string ownerId, CancellationToken cancellationToken)
    {
        var (phase, _) = await ledger.ReadAsync(runId, phaseId, cancellationToken).ConfigureAwait(false);
        var share = ReviewShareTokens(phase, settings);
        if (share <= 0)
        {
            return null;
        }

        var reservation = await ledger.ReserveAsync(runId, phaseId, 0, share, 1, ownerId, cancellationToken).ConfigureAwait(false);
        return reservation.Granted ? reservation : null;
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(5));
    }
}
