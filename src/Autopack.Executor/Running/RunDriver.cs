using Autopack.Domain.Runs;
using Autopack.Executor.Control;
using Autopack.Executor.Hosting;
using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Autopack.Storage;
using Autopack.Storage.Budgets;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Running;

/// <summary>
/// Drives one run to its end: takes the lease (refusing while another executor holds it, taking it over when
/// that executor is dead), recovers what a crashed executor left in flight, runs the phases in order, records
/// the run's end, appends to the build history, releases the lease and stops the host.
/// </summary>
public sealed class RunDriver(
    IServiceProvider services,
    RunStore runs,
    RunStateWriter states,
    ExecutorLeases leases,
    TokenLedger ledger,
    RunControl control,
    ControlInbox inbox,
    EventLog events,
    ExecutorIdentity identity,
    RuntimeFolder runtime,
    ExecutorOutcome outcome,
    StorageSettings settings,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<RunDriver> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A host shutdown (SIGTERM, Ctrl+C) is a graceful stop: the run is PAUSED and resumable.
        await using var registration = stoppingToken.Register(control.RequestStop);
        try
        {
            var (code, message) = await DriveAsync().ConfigureAwait(false);
            outcome.Set(code, message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "executor failed");
            outcome.Set(1, $"executor failed: {ex.Message}");
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task<(int Code, string Message)> DriveAsync()
    {
        var runId = identity.RunId;
        var run = await runs.FindAsync(runId).ConfigureAwait(false);
        if (run is null)
        {
            return (4, $"run '{runId}' not found");
        }

        if (RunTransitions.IsTerminal(run.Status))
        {
            return (run.Status is RunStatus.DoneSuccess or RunStatus.Aborted ? 0 : 1, $"run {runId} already ended ({run.Status.ToName()})");
        }

        if (run.Phases.Any(p => !PhaseTransitions.IsTerminal(p.Status) && p.Provider != OfflineProvider.ProviderName))
        {
            // A real provider's calls are counted with o200k_base: load it while the lease and the worktree are taken.
            TokenScheme.WarmUpO200k();
        }

        var lease = await leases.TryAcquireAsync(runId, identity.OwnerId, identity.Pid, identity.Host, TimeSpan.FromSeconds(settings.LeaseStaleSeconds)).ConfigureAwait(false);
        if (!lease.Acquired && lease.HolderHost == identity.Host && lease.HolderPid is { } holder && !ProcessIsAlive(holder))
        {
            // The holder ran on this machine and its process is gone (kill -9): no need to wait for its heartbeat to go stale.
            logger.LogWarning("run {RunId} was held by pid {Pid}, which no longer exists; taking the lease over", runId, holder);
            lease = await leases.TryAcquireAsync(runId, identity.OwnerId, identity.Pid, identity.Host, TimeSpan.Zero).ConfigureAwait(false);
        }

        if (!lease.Acquired)
        {
            return (3, $"run {runId} is held by executor pid {lease.HolderPid} on {lease.HolderHost} (heartbeat {lease.HolderHeartbeatAge?.TotalSeconds:F0}s ago); a second executor is refused");
        }

        try
        {
            return await DriveLeasedAsync(runId, lease.TookOverStale).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // A fenced write was refused: another executor holds the run now.
            control.MarkLeaseLost();
            return LeaseLostOutcome(runId);
        }
        finally
        {
            if (!control.LeaseLost)
            {
                await leases.ReleaseAsync(runId, identity.OwnerId).ConfigureAwait(false);
            }
        }
    }

    private async Task<(int Code, string Message)> DriveLeasedAsync(string runId, bool tookOver)
    {
        var run = await runs.GetAsync(runId).ConfigureAwait(false);
        var released = await ledger.ReleaseAbandonedAsync(runId, identity.OwnerId).ConfigureAwait(false);
        if (tookOver || released > 0)
        {
            await events.AppendAsync("run_recovered", $"previous executor died; {released} abandoned token reservations released", runId).ConfigureAwait(false);
        }

        if (RunTransitions.IsTerminal(run.Status))
        {
            // Ended between the first look and the lease (an abort for a run that no executor held yet).
            return (run.Status is RunStatus.DoneSuccess or RunStatus.Aborted ? 0 : 1, $"run {runId} already ended ({run.Status.ToName()})");
        }

        control.MarkLeaseHeld(run.Phases.Select(p => p.PhaseId));
        logger.LogInformation("executor pid {Pid} holds run {RunId} ({Status})", identity.Pid, runId, run.Status.ToName());

        // A stop or abort stored (or echoed) while no executor held the run is acted on before any phase starts.
        await inbox.CheckAsync(CancellationToken.None).ConfigureAwait(false);
        if (control.Request == ControlRequest.None)
        {
            await inbox.ReapplyAcceptedAbortAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (control.Request != ControlRequest.None && !control.LeaseLost)
        {
            return await EndBeforeStartAsync(run).ConfigureAwait(false);
        }

        if (run.Status is RunStatus.Queued or RunStatus.Paused)
        {
            run = await states.TransitionRunAsync(runId, RunStatus.Executing).ConfigureAwait(false);
        }
        else
        {
            await events.AppendAsync("run_resumed", $"executor pid {identity.Pid} resumed a run left EXECUTING", runId).ConfigureAwait(false);
        }

        RunWorktree worktree;
        try
        {
            worktree = await OpenWorktreeAsync(run).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WorkspaceException or GitException or IOException)
        {
            return await EndAsync(run, RunStatus.DoneFailed, $"workspace: {ex.Message}").ConfigureAwait(false);
        }

        await RecoverInterruptedPhasesAsync(run, worktree).ConfigureAwait(false);
        var phaseRunner = services.GetRequiredService<PhaseRunner>();
        foreach (var phase in (await runs.GetAsync(runId).ConfigureAwait(false)).Phases)
        {
            switch (phase.Status)
            {
                case PhaseStatus.Complete or PhaseStatus.Skipped:
                    continue;
                case PhaseStatus.Failed:
                    return await EndAsync(run, RunStatus.DoneFailed, $"phase {phase.PhaseId} failed: {phase.FailureReason}").ConfigureAwait(false);
                case PhaseStatus.BudgetExceeded:
                    return await EndAsync(run, RunStatus.DoneFailed, $"phase {phase.PhaseId} exceeded its budget").ConfigureAwait(false);
            }

            var result = await phaseRunner.RunAsync(run, phase, worktree).ConfigureAwait(false);
            switch (result.Kind)
            {
                case PhaseResultKind.Complete:
                    continue;
                case PhaseResultKind.Failed:
                    return await EndAsync(run, RunStatus.DoneFailed, result.Reason!).ConfigureAwait(false);
                case PhaseResultKind.PhaseBudgetExceeded:
                    return await EndAsync(run, RunStatus.DoneFailed, result.Reason!).ConfigureAwait(false);
                case PhaseResultKind.RunBudgetExceeded:
                    return await EndAsync(run, RunStatus.BudgetExceeded, result.Reason!).ConfigureAwait(false);
                case PhaseResultKind.Aborted:
                    return await EndAsync(run, RunStatus.Aborted, "aborted by operator").ConfigureAwait(false);
                case PhaseResultKind.Stopped when control.LeaseLost:
                    return LeaseLostOutcome(runId);
                case PhaseResultKind.Stopped:
                    // An operator's stop, a host shutdown, or a provider outage past AUTOPACK_OUTAGE_PAUSE_SECONDS.
                    var why = result.Reason ?? "stopped";
                    await inbox.CloseAsync().ConfigureAwait(false);
                    await states.TransitionRunAsync(runId, RunStatus.Paused, $"{why}; resume with autopack execute").ConfigureAwait(false);
                    return (0, $"run {runId} PAUSED ({why}); resume with: autopack execute --run-id {runId}");
                case PhaseResultKind.LeaseLost:
                    return LeaseLostOutcome(runId);
            }
        }

        if (control.LeaseLost)
        {
            return LeaseLostOutcome(runId);
        }

        if (control.Request == ControlRequest.Abort)
        {
            return await EndAsync(run, RunStatus.Aborted, "aborted by operator").ConfigureAwait(false);
        }

        return await EndAsync(run, RunStatus.DoneSuccess, null).ConfigureAwait(false);
    }

    /// <summary>A stop holds the run PAUSED without running a phase (QUEUED passes through EXECUTING, as the domain requires); an abort ends it.</summary>
    private async Task<(int Code, string Message)> EndBeforeStartAsync(RunRow run)
    {
        await inbox.CloseAsync().ConfigureAwait(false);
        if (control.Request == ControlRequest.Abort)
        {
            return await EndAsync(run, RunStatus.Aborted, "aborted by operator").ConfigureAwait(false);
        }

        if (run.Status == RunStatus.Queued)
        {
            await states.TransitionRunAsync(run.RunId, RunStatus.Executing).ConfigureAwait(false);
        }

        if (run.Status != RunStatus.Paused)
        {
            await states.TransitionRunAsync(run.RunId, RunStatus.Paused, "stopped by operator before it started; resume with autopack execute").ConfigureAwait(false);
        }

        return (0, $"run {run.RunId} PAUSED (a stop was waiting for it); resume with: autopack execute --run-id {run.RunId}");
    }

    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens the run's worktree (creating it on the first execute) and resets it to the last commit Autopack made
    /// on the branch (or its base), so half-made edits of an executor that died mid-attempt, and commits its
    /// builder's commands made, never reach the retry.
    /// </summary>
    private async Task<RunWorktree> OpenWorktreeAsync(RunRow run)
    {
        var worktree = await services.GetRequiredService<RunWorkspaces>()
            .OpenAsync(run.RunId, run.Repository, run.BaseCommit, runtime.RunFolder(run.RunId), control.RunToken).ConfigureAwait(false);
        if (run.BaseCommit is null)
        {
            await states.SetBaseCommitAsync(run.RunId, worktree.BaseCommit).ConfigureAwait(false);
        }

        if (worktree.Fresh)
        {
            logger.LogInformation("run {RunId} works in {Worktree} on {Branch} (new)", run.RunId, worktree.Path, worktree.Branch);
            return worktree;
        }

        var commits = await worktree.CommitsAsync(control.RunToken).ConfigureAwait(false);
        var last = commits.LastOrDefault(c => c.Trailers.TryGetValue("Autopack-Run", out var id) && id == run.RunId)?.Sha ?? worktree.BaseCommit;
        await worktree.ResetToAsync(last, control.RunToken).ConfigureAwait(false);
        logger.LogInformation("run {RunId} works in {Worktree} on {Branch}", run.RunId, worktree.Path, worktree.Branch);
        return worktree;
    }

    /// <summary>
    /// A phase left in flight by a dead or stopped executor is retried; the interrupted attempt is not counted.
    /// One that died between its commit and recording it is complete: the branch already holds its commit.
    /// </summary>
    private async Task RecoverInterruptedPhasesAsync(RunRow run, RunWorktree worktree)
    {
        IReadOnlyList<CommitInfo>? commits = null;
        foreach (var phase in run.Phases)
        {
            if (phase.Status == PhaseStatus.Gate)
            {
                commits ??= await worktree.CommitsAsync(control.RunToken).ConfigureAwait(false);
                if (commits.LastOrDefault(c => c.Trailers.TryGetValue("Autopack-Phase", out var id) && id == phase.PhaseId) is { } commit)
                {
                    await states.CompletePhaseAsync(phase.PhaseId, commit.Sha).ConfigureAwait(false);
                    continue;
                }
            }

            if (PhaseTransitions.IsInFlight(phase.Status))
            {
                await states.TransitionPhaseAsync(phase.PhaseId, PhaseStatus.Queued, "interrupted (executor ended mid-attempt); retrying", refundAttempt: true).ConfigureAwait(false);
            }
            else if (phase.Status == PhaseStatus.TimedOut)
            {
                var next = phase.Attempts < phase.MaxAttempts ? PhaseStatus.Queued : PhaseStatus.Failed;
                await states.TransitionPhaseAsync(phase.PhaseId, next, phase.FailureReason).ConfigureAwait(false);
            }
        }
    }

    private static (int Code, string Message) LeaseLostOutcome(string runId) =>
        (6, $"run {runId}: lease lost to another executor; stopped without further writes");

    private async Task<(int Code, string Message)> EndAsync(RunRow run, RunStatus status, string? reason)
    {
        if (control.LeaseLost)
        {
            return LeaseLostOutcome(run.RunId);
        }

        await inbox.CloseAsync().ConfigureAwait(false);
        var ended = await states.TransitionRunAsync(run.RunId, status, reason).ConfigureAwait(false);
        if (status != RunStatus.DoneSuccess)
        {
            await states.SkipQueuedPhasesAsync(run.RunId, $"run ended {status.ToName()}").ConfigureAwait(false);
        }

        await AppendHistoryAsync(ended, reason).ConfigureAwait(false);
        var code = status is RunStatus.DoneSuccess or RunStatus.Aborted ? 0 : 1;
        return (code, $"run {run.RunId} {status.ToName()}" + (reason is null ? string.Empty : $": {reason}"));
    }

    private async Task AppendHistoryAsync(RunRow run, string? reason)
    {
        try
        {
            var full = await runs.GetAsync(run.RunId).ConfigureAwait(false);
            var usage = await services.GetRequiredService<UsageQueries>().GetRunUsageAsync(run.RunId).ConfigureAwait(false);
            var facts = new List<string>
            {
                $"goal: {full.Goal}",
                $"phases: {full.Phases.Count(p => p.Status == PhaseStatus.Complete)}/{full.Phases.Count} complete",
                $"tokens: {usage.TotalTokens} of {usage.TokenCap} ({usage.Calls} calls)",
            };
            if (reason is not null)
            {
                facts.Add($"reason: {reason}");
            }

            var path = Path.GetFullPath(settings.BuildHistoryPath);
            await new BuildHistoryLedger(path).AppendAsync(BuildHistoryEntry.Create(full.FinishedAt ?? time.GetUtcNow().UtcDateTime, run.RunId, full.Status.ToName(), facts)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "could not append to the build history {Path}", settings.BuildHistoryPath);
        }
    }
}
