using Autopack.Domain.Budgets;
using Autopack.Domain.Runs;
using Autopack.Executor.Building;
using Autopack.Executor.Calls;
using Autopack.Executor.Control;
using Autopack.Executor.Hosting;
using Autopack.Llm.Providers;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Autopack.Workspace.Tools;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Running;

/// <summary>
/// Drives one phase through its attempts in the run's worktree: the builder's agent loop, the verify command, the
/// auditor's review of the diff. An approved attempt becomes exactly one commit on the run branch; anything else
/// (rejection, failed verify, turn bound, timeout, abort, stop, budget refusal, provider failure) resets the
/// worktree to the phase's start, tracked and untracked files, before the next attempt. A provider outage
/// (transient failures, an open breaker) makes the phase wait without using an attempt; one longer than
/// AUTOPACK_OUTAGE_PAUSE_SECONDS stops it like an operator's stop (attempt given back), with its own reason.
/// The builder is the built-in agent loop, or the external agent the plan's <c>builder.command</c> names
/// (<see cref="AgentBuilder"/>), under the same control files, verify, auditor, commit and reset; every call of attempt
/// N (builder turns, the agent's requests, the auditor) asks for the plan's Nth model (ADR-040).
/// </summary>
public sealed class PhaseRunner(
    RunStateWriter states,
    PausingLlmCaller llm,
    BuilderLoop builder,
    AgentBuilder agent,
    VerifyRunner verifier,
    RunControl control,
    ExecutorLeases leases,
    RuntimeFolder runtime,
    ExecutorIdentity identity,
    BudgetSettings settings,
    ILogger<PhaseRunner> logger)
{
    public const int DefaultVerifyTimeoutSeconds = 600;

    public async Task<PhaseResult> RunAsync(RunRow run, PhaseRow phase, RunWorktree worktree)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(worktree);
        try
        {
            return await RunAttemptsAsync(run, phase, worktree).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Another executor owns the run now (from any write, in a catch block too, or a fenced write the
            // database refused): stop without writing.
            control.MarkLeaseLost();
            return new PhaseResult(PhaseResultKind.LeaseLost, "lease lost to another executor");
        }
    }

    private async Task<PhaseResult> RunAttemptsAsync(RunRow run, PhaseRow phase, RunWorktree worktree)
    {
        var rejection = phase.FailureReason;
        while (true)
        {
            if (Interrupted() is { } interrupted)
            {
                return interrupted;
            }

            if (phase.Attempts >= phase.MaxAttempts)
            {
                await TransitionAsync(phase.PhaseId, PhaseStatus.Failed, $"no attempts left; last: {rejection}").ConfigureAwait(false);
                return Failed(phase, rejection!);
            }

            var committed = false;
            // Where this attempt starts; a failed attempt goes back here, commits a builder's command made included.
            var start = await worktree.TipBetweenAttemptsAsync(CancellationToken.None).ConfigureAwait(false);

            // Registered before the phase shows EXECUTING, so a timeout written as soon as it does always finds the attempt.
            var attempt = control.BeginAttempt(phase.PhaseId);
            var status = PhaseStatus.Executing;
            try
            {
                phase = await TransitionAsync(phase.PhaseId, PhaseStatus.Executing).ConfigureAwait(false);
                logger.LogInformation("phase {PhaseId} attempt {Attempt}/{Max} from {Start}", phase.PhaseId, phase.Attempts, phase.MaxAttempts, start[..12]);
                var files = runtime.Attempt(run.RunId, phase.PhaseId, phase.Attempts);
                var target = new CallTarget(run.RunId, phase.PhaseId, phase.PhaseName, phase.Provider, identity.OwnerId);
                var model = phase.ModelFor(phase.Attempts);
                var assignment = new BuilderAssignment(target, run.Goal, phase.PhaseName, phase.Goal, phase.Attempts, rejection, worktree.Path,
                    phase.Scope(), phase.MaxTurns, phase.OfflineEdits(), files.TranscriptPath, model);

                // The attempt's token reaches an external agent's whole process tree: stop, abort and timeout kill it at once.
                var built = phase.Builder() is { } external
                    ? await ScopedAsync(await agent.RunAsync(assignment, external, attempt.Token).ConfigureAwait(false), assignment, worktree, start, attempt.Token).ConfigureAwait(false)
                    : await builder.RunAsync(assignment, attempt.Token).ConfigureAwait(false);
                var diff = await worktree.DiffAsync(start, attempt.Token).ConfigureAwait(false);
                await File.WriteAllTextAsync(files.DiffPath, diff, CancellationToken.None).ConfigureAwait(false);
                if (!built.Finished)
                {
                    rejection = built.Problem!;
                    phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                    if (phase.Status == PhaseStatus.Failed)
                    {
                        return Failed(phase, rejection);
                    }
                    continue;
                }

                VerifyResult? verify = null;
                if (phase.Verify is { } command)
                {
                    status = PhaseStatus.CiRunning;
                    await TransitionAsync(phase.PhaseId, status).ConfigureAwait(false);
                    var timeout = TimeSpan.FromSeconds(phase.VerifyTimeoutSeconds ?? DefaultVerifyTimeoutSeconds);
                    verify = await verifier.RunAsync(command, worktree.Path, timeout, files.VerifyLogPath, attempt.Token).ConfigureAwait(false);
                    if (!verify.Passed)
                    {
                        rejection = $"{verify.Describe(command)}: {LastLines(verify.OutputTail)}";
                        attempt.Dispose();
                        phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                        if (phase.Status == PhaseStatus.Failed)
                        {
                            return Failed(phase, rejection);
                        }
                        continue;
                    }
                }

                status = PhaseStatus.Gate;
                await TransitionAsync(phase.PhaseId, status).ConfigureAwait(false);
                var review = LlmRequest.FromPrompts("auditor", Prompts.AuditorSystem,
                    Prompts.Auditor(phase.Goal, built.Summary, diff, verify, phase.Verify), settings.MaxOutputTokens, phase.Attempts <= phase.OfflineRejections) with
                {
                    Model = model,
                };
                var auditor = await llm.CallAsync(target, review, attempt.Token).ConfigureAwait(false);
                await File.WriteAllTextAsync(files.AuditorPath, auditor.Text, CancellationToken.None).ConfigureAwait(false);

                // The attempt is over: a timeout arriving from here on finds nothing to cancel and says so.
                attempt.Dispose();
                if (AuditorVerdict.IsApproved(auditor.Text))
                {
                    await EnsureLeaseHeldAsync(run.RunId).ConfigureAwait(false);
                    var tokens = built.TokensUsed + auditor.Settlement.Charged.Total;

                    // Without a verify command nothing has written to the tree since the diff staged it: the commit is
                    // the index the auditor reviewed, with no second `git add`. After verify, what it wrote is staged too.
                    var sha = await worktree.CommitAsync(phase.PhaseName, phase.Goal,
                    [
                        new("Autopack-Run", run.RunId),
                        new("Autopack-Phase", phase.PhaseId),
                        new("Autopack-Attempt", phase.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        new("Autopack-Tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ], start, CancellationToken.None, stageFirst: verify is not null).ConfigureAwait(false);
                    committed = true;
                    EnsureLease();
                    await states.CompletePhaseAsync(phase.PhaseId, sha).ConfigureAwait(false);
                    logger.LogInformation("phase {PhaseId} approved: commit {Sha} on {Branch}", phase.PhaseId, sha[..12], worktree.Branch);
                    return new PhaseResult(PhaseResultKind.Complete);
                }

                rejection = $"auditor rejected: {auditor.Text.Trim()}";
                phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                if (phase.Status == PhaseStatus.Failed)
                {
                    return Failed(phase, rejection);
                }
            }
            catch (OperationCanceledException) when (attempt.TimedOut && !control.RunToken.IsCancellationRequested)
            {
                rejection = "timed out by operator (.force_timeout)";
                await TransitionAsync(phase.PhaseId, PhaseStatus.TimedOut, rejection).ConfigureAwait(false);
                phase = await RetryOrFailAsync(phase, PhaseStatus.TimedOut, rejection).ConfigureAwait(false);
                if (phase.Status == PhaseStatus.Failed)
                {
                    return Failed(phase, rejection);
                }
            }
            catch (OperationCanceledException) when (control.RunToken.IsCancellationRequested)
            {
                return await InterruptAsync(phase).ConfigureAwait(false);
            }
            catch (ProviderOutageException ex)
            {
                // Not the phase's fault: back to QUEUED with the attempt given back, and the run pauses with the reason.
                logger.LogWarning("phase {PhaseId} attempt {Attempt}: {Reason}", phase.PhaseId, phase.Attempts, ex.Message);
                await TransitionAsync(phase.PhaseId, PhaseStatus.Queued, $"{ex.Message}; resumes on the next execute", refundAttempt: true).ConfigureAwait(false);
                return new PhaseResult(PhaseResultKind.Stopped, ex.Message);
            }
            catch (BudgetRefusedException ex)
            {
                await TransitionAsync(phase.PhaseId, PhaseStatus.BudgetExceeded, ex.Message).ConfigureAwait(false);
                return ex.Scope == BudgetScope.Run
                    ? new PhaseResult(PhaseResultKind.RunBudgetExceeded, ex.Message)
                    : new PhaseResult(PhaseResultKind.PhaseBudgetExceeded, $"phase {phase.PhaseId}: {ex.Message}");
            }
            catch (ProviderException ex)
            {
                rejection = $"provider call failed: {ex.Message}";
                logger.LogWarning("phase {PhaseId} attempt {Attempt}: {Reason}", phase.PhaseId, phase.Attempts, rejection);
                phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                if (phase.Status == PhaseStatus.Failed)
                {
                    return Failed(phase, rejection);
                }
            }
            finally
            {
                attempt.Dispose();

                // Nothing of an attempt that did not become a commit reaches the next one. Not once the lease is lost:
                // the worktree (and its branch) belongs to the executor that took the run over, so the database is
                // asked, not only this process's flag, which a frozen executor may not have refreshed yet.
                if (!committed && !control.LeaseLost && await leases.IsHeldAsync(run.RunId, identity.OwnerId, CancellationToken.None).ConfigureAwait(false))
                {
                    await worktree.ResetToAsync(start, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// An external agent writes with its own tools, so the phase's scope is checked on what it changed once it ends:
    /// a change outside the scope's globs fails the attempt (its changes are reset like any failed attempt's), naming
    /// the paths, as the built-in builder's tools refuse such a write.
    /// </summary>
    private static async Task<BuilderOutcome> ScopedAsync(BuilderOutcome built, BuilderAssignment assignment, RunWorktree worktree, string start, CancellationToken ct)
    {
        if (!built.Finished || assignment.Scope is not { Count: > 0 } scope)
        {
            return built;
        }

        var guard = new PathGuard(worktree.Path, scope);
        var outside = guard.OutsideScope(await worktree.ChangedPathsAsync(start, ct).ConfigureAwait(false));
        if (outside.Count == 0)
        {
            return built;
        }

        // A path is named as git has it, its control characters escaped, so a name holding a newline stays on one line.
        var named = string.Join(", ", outside.Take(10).Select(EscapeControls)) + (outside.Count > 10 ? $" and {outside.Count - 10} more" : "");
        return built with { Finished = false, Problem = $"the external builder changed files outside the phase's scope ({guard.ScopeText}): {named}" };
    }

    private static string EscapeControls(string path) =>
        path.Any(char.IsControl)
            ? string.Concat(path.Select(c => char.IsControl(c) ? "\\x" + ((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) : c.ToString()))
            : path;

    /// <summary>Every state write of a phase goes through here: once the lease is lost, nothing more is written.</summary>
    private Task<PhaseRow> TransitionAsync(string phaseId, PhaseStatus to, string? reason = null, bool refundAttempt = false)
    {
        EnsureLease();
        return states.TransitionPhaseAsync(phaseId, to, reason, refundAttempt);
    }

    private void EnsureLease()
    {
        if (control.LeaseLost)
        {
            throw new LeaseLostException(identity.RunId, identity.OwnerId);
        }
    }

    /// <summary>Before writing to the branch: the lease as the database has it now.</summary>
    private async Task EnsureLeaseHeldAsync(string runId)
    {
        EnsureLease();
        if (!await leases.IsHeldAsync(runId, identity.OwnerId, CancellationToken.None).ConfigureAwait(false))
        {
            control.MarkLeaseLost();
            throw new LeaseLostException(runId, identity.OwnerId);
        }
    }

    private PhaseResult? Interrupted() => control.LeaseLost
        ? new PhaseResult(PhaseResultKind.LeaseLost, "lease lost to another executor")
        : control.Request switch
        {
            ControlRequest.Abort => new PhaseResult(PhaseResultKind.Aborted, "aborted by operator"),
            ControlRequest.Stop => new PhaseResult(PhaseResultKind.Stopped, "stopped by operator"),
            _ => null,
        };

    private async Task<PhaseResult> InterruptAsync(PhaseRow phase)
    {
        var result = Interrupted() ?? new PhaseResult(PhaseResultKind.Stopped, "stopped");
        switch (result.Kind)
        {
            case PhaseResultKind.Aborted:
                await TransitionAsync(phase.PhaseId, PhaseStatus.Failed, "aborted by operator").ConfigureAwait(false);
                break;
            case PhaseResultKind.Stopped:
                // Interrupted, not failed: back to QUEUED without using up an attempt, so the resumed run retries it.
                await TransitionAsync(phase.PhaseId, PhaseStatus.Queued, "interrupted by stop; resumes on the next execute", refundAttempt: true).ConfigureAwait(false);
                break;
        }

        return result;
    }

    /// <summary>After a failed attempt: QUEUED for the next one, or FAILED when none is left.</summary>
    private async Task<PhaseRow> RetryOrFailAsync(PhaseRow phase, PhaseStatus from, string reason)
    {
        var next = phase.Attempts < phase.MaxAttempts ? PhaseStatus.Queued : PhaseStatus.Failed;
        logger.LogInformation("phase {PhaseId} attempt {Attempt} ended in {From}: {Reason}; now {Next}", phase.PhaseId, phase.Attempts, from.ToName(), reason, next.ToName());
        return await TransitionAsync(phase.PhaseId, next, reason).ConfigureAwait(false);
    }

    private static PhaseResult Failed(PhaseRow phase, string reason) => new(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {reason}");

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(5));
    }
}
