using Autopack.Domain.Budgets;
using Autopack.Domain.Runs;
using Autopack.Executor.Control;
using Autopack.Executor.Hosting;
using Autopack.Llm.Calls;
using Autopack.Llm.Providers;
using Autopack.Storage.Entities;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Running;

/// <summary>
/// Drives one phase through its attempts: builder call, verify command, auditor call; a rejection, failed verify,
/// provider failure or forced timeout goes to the next attempt until max_attempts. An open breaker pauses the
/// phase (no attempt is used) until the breaker lets a trial call through.
/// </summary>
public sealed class PhaseRunner(
    RunStateWriter states,
    BudgetedLlmClient llm,
    VerifyRunner verifier,
    RunControl control,
    EventLog events,
    RuntimeFolder runtime,
    ExecutorIdentity identity,
    TimeProvider time,
    ILogger<PhaseRunner> logger)
{
    public const int DefaultVerifyTimeoutSeconds = 600;
    private static readonly TimeSpan MaxBreakerWait = TimeSpan.FromSeconds(30);

    public async Task<PhaseResult> RunAsync(RunRow run, PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(phase);
        try
        {
            return await RunAttemptsAsync(run, phase).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Another executor owns the run now (from any write, in a catch block too): stop without writing.
            return new PhaseResult(PhaseResultKind.LeaseLost, "lease lost to another executor");
        }
    }

    private async Task<PhaseResult> RunAttemptsAsync(RunRow run, PhaseRow phase)
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
                return new PhaseResult(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {rejection}");
            }

            // Registered before the phase shows EXECUTING, so a timeout written as soon as it does always finds the attempt.
            using var attempt = control.BeginAttempt(phase.PhaseId);
            var status = PhaseStatus.Executing;
            try
            {
                phase = await TransitionAsync(phase.PhaseId, PhaseStatus.Executing).ConfigureAwait(false);
                logger.LogInformation("phase {PhaseId} attempt {Attempt}/{Max}", phase.PhaseId, phase.Attempts, phase.MaxAttempts);
                var target = new CallTarget(run.RunId, phase.PhaseId, phase.PhaseName, phase.Provider, identity.OwnerId);
                var builder = await CallAsync(target, "builder", Prompts.BuilderSystem,
                    Prompts.Builder(run.Goal, phase.PhaseName, phase.Goal, phase.Attempts, rejection), false, attempt.Token).ConfigureAwait(false);
                await WriteArtifactAsync(phase, $"attempt-{phase.Attempts}-builder.md", builder.Text).ConfigureAwait(false);

                VerifyResult? verify = null;
                if (phase.Verify is { } command)
                {
                    status = PhaseStatus.CiRunning;
                    await TransitionAsync(phase.PhaseId, status).ConfigureAwait(false);
                    var timeout = TimeSpan.FromSeconds(phase.VerifyTimeoutSeconds ?? DefaultVerifyTimeoutSeconds);
                    var log = Path.Combine(PhaseFolder(phase), $"attempt-{phase.Attempts}-verify.log");
                    verify = await verifier.RunAsync(command, runtime.WorkspacePath(run.RunId), timeout, log, attempt.Token).ConfigureAwait(false);
                    if (!verify.Passed)
                    {
                        rejection = $"{verify.Describe(command)}: {LastLines(verify.OutputTail)}";
                        attempt.Dispose();
                        phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                        if (phase.Status == PhaseStatus.Failed)
                        {
                            return new PhaseResult(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {rejection}");
                        }

                        continue;
                    }
                }

                status = PhaseStatus.Gate;
                await TransitionAsync(phase.PhaseId, status).ConfigureAwait(false);
                var auditor = await CallAsync(target, "auditor", Prompts.AuditorSystem,
                    Prompts.Auditor(phase.Goal, builder.Text, verify, phase.Verify), phase.Attempts <= phase.OfflineRejections, attempt.Token).ConfigureAwait(false);
                await WriteArtifactAsync(phase, $"attempt-{phase.Attempts}-auditor.md", auditor.Text).ConfigureAwait(false);
                // The attempt is over: a timeout arriving from here on finds nothing to cancel and says so.
                attempt.Dispose();
                if (AuditorVerdict.IsApproved(auditor.Text))
                {
                    await TransitionAsync(phase.PhaseId, PhaseStatus.Complete).ConfigureAwait(false);
                    return new PhaseResult(PhaseResultKind.Complete);
                }

                rejection = $"auditor rejected: {auditor.Text.Trim()}";
                phase = await RetryOrFailAsync(phase, status, rejection).ConfigureAwait(false);
                if (phase.Status == PhaseStatus.Failed)
                {
                    return new PhaseResult(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {rejection}");
                }
            }
            catch (OperationCanceledException) when (attempt.TimedOut && !control.RunToken.IsCancellationRequested)
            {
                rejection = "timed out by operator (.force_timeout)";
                await TransitionAsync(phase.PhaseId, PhaseStatus.TimedOut, rejection).ConfigureAwait(false);
                phase = await RetryOrFailAsync(phase, PhaseStatus.TimedOut, rejection).ConfigureAwait(false);
                if (phase.Status == PhaseStatus.Failed)
                {
                    return new PhaseResult(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {rejection}");
                }
            }
            catch (OperationCanceledException) when (control.RunToken.IsCancellationRequested)
            {
                return await InterruptAsync(phase).ConfigureAwait(false);
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
                    return new PhaseResult(PhaseResultKind.Failed, $"phase {phase.PhaseId} failed: {rejection}");
                }
            }
        }
    }

    /// <summary>Every state write of a phase goes through here: once the lease is lost, nothing more is written.</summary>
    private Task<PhaseRow> TransitionAsync(string phaseId, PhaseStatus to, string? reason = null, bool refundAttempt = false) =>
        control.LeaseLost
            ? throw new LeaseLostException()
            : states.TransitionPhaseAsync(phaseId, to, reason, refundAttempt);

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

    /// <summary>A call that waits out an open breaker (cancellable at any moment) instead of failing the phase.</summary>
    private async Task<LlmCallResult> CallAsync(CallTarget target, string role, string system, string user, bool offlineReject, CancellationToken cancellationToken)
    {
        var waiting = false;
        while (true)
        {
            try
            {
                var result = await llm.CallAsync(target, role, system, user, offlineReject, cancellationToken).ConfigureAwait(false);
                if (waiting)
                {
                    await events.AppendAsync("phase_resumed", $"breaker for {target.Provider} let a call through; phase continues", target.RunId, target.PhaseId, CancellationToken.None).ConfigureAwait(false);
                }

                return result;
            }
            catch (ProviderUnavailableException ex)
            {
                var wait = ex.RetryAfter is { } after && after > TimeSpan.Zero ? (after < MaxBreakerWait ? after : MaxBreakerWait) : TimeSpan.FromSeconds(1);
                if (!waiting)
                {
                    waiting = true;
                    logger.LogWarning("phase {PhaseId}: breaker for {Provider} is open; pausing until it lets a trial call through", target.PhaseId, target.Provider);
                    await events.AppendAsync("phase_waiting", $"breaker for {target.Provider} is open; phase paused until it lets a trial call through", target.RunId, target.PhaseId, CancellationToken.None).ConfigureAwait(false);
                }

                await Task.Delay(wait + TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private string PhaseFolder(PhaseRow phase) => Path.Combine(runtime.RunFolder(phase.RunId), "phases", phase.PhaseId);

    private async Task WriteArtifactAsync(PhaseRow phase, string name, string text)
    {
        var folder = PhaseFolder(phase);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, name), text, CancellationToken.None).ConfigureAwait(false);
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(5));
    }

    private sealed class LeaseLostException : Exception
    {
    }
}
