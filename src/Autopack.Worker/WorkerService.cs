using System.ComponentModel;
using System.Data.Common;
using Autopack.Storage.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Worker;

/// <summary>
/// The worker's loop (ADR-031): registers, then while it has free slots claims the oldest claimable run
/// (<see cref="RunClaims"/>) and starts <c>autopack execute --run-id</c> for it, releasing each claim when its
/// executor exits. On shutdown (SIGTERM) it claims nothing more (state STOPPING), sends SIGTERM to its executors, waits
/// for them to pause their runs and releases the claims so those runs go back to the queue (ADR-032); then it removes
/// its row. Database errors are logged and retried at the next turn.
/// </summary>
public sealed class WorkerService(
    RunClaims claims,
    WorkerRegistry registry,
    WorkerRegistration identity,
    WorkerPresence presence,
    WorkerOptions options,
    WorkerOutcome outcome,
    WorkerSettings settings,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerService> logger) : BackgroundService
{
    private readonly List<ExecutorProcess> executors = [];
    private readonly TimeSpan staleAfter = TimeSpan.FromSeconds(settings.Storage.LeaseStaleSeconds);
    private int started;
    private int requeued;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await registry.RegisterAsync(identity, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            outcome.Fail($"worker could not register: database: {ex.Message}");
            lifetime.StopApplication();
            return;
        }

        presence.MarkRegistered();
        logger.LogInformation(
            "worker {WorkerId} (pid {Pid} on {Host}) claims up to {Concurrency} run(s); executors: {Program} {Arguments}",
            identity.WorkerId, identity.Pid, identity.Host, options.Concurrency, options.Launcher.Program, string.Join(' ', options.Launcher.ExecuteArguments("<run-id>")));
        try
        {
            string? lastReason = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                await ReapAsync(CancellationToken.None).ConfigureAwait(false);
                while (executors.Count < options.Concurrency && !stoppingToken.IsCancellationRequested)
                {
                    var attempt = await TryClaimAsync().ConfigureAwait(false);
                    if (attempt?.Claim is not { } claim)
                    {
                        if (attempt is not null && attempt.Reason != lastReason)
                        {
                            logger.LogInformation("not claiming: {Reason}", attempt.Reason);
                            lastReason = attempt.Reason;
                        }

                        break;
                    }

                    lastReason = null;
                    await StartAsync(claim).ConfigureAwait(false);
                }

                var wake = Task.Delay(options.PollInterval, time, stoppingToken);
                await Task.WhenAny([.. executors.Select(e => e.Exited), wake]).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "worker loop failed; stopping");
            outcome.Fail($"worker failed: {ex.Message}");
        }
        finally
        {
            await StopExecutorsAsync().ConfigureAwait(false);
            lifetime.StopApplication();
        }
    }

    private async Task<ClaimAttempt?> TryClaimAsync()
    {
        try
        {
            return await claims.TryClaimAsync(identity, staleAfter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            logger.LogWarning("claim failed ({Error}); retrying", ex.Message);
            return null;
        }
    }

    private async Task StartAsync(RunClaim claim)
    {
        ExecutorProcess executor;
        try
        {
            executor = ExecutorProcess.Start(options, claim, identity.WorkerId, logger);
        }
        catch (Win32Exception ex)
        {
            // The claim must not stay open: released as a failed executor, so the run backs off instead of spinning.
            logger.LogError("run {RunId}: could not start {Program}: {Error}", claim.RunId, options.Launcher.Program, ex.Message);
            await claims.ReleaseAsync(claim, -1, workerStopping: false, staleAfter, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        executors.Add(executor);
        started++;
        logger.LogInformation(
            "run {RunId} claimed from {Status}{TakeOver}; executor pid {Pid}",
            claim.RunId, claim.ClaimedStatus, claim.TakenOverFrom is { } from ? $" (taken over from worker {from})" : string.Empty, executor.Pid);
        try
        {
            await claims.SetExecutorPidAsync(claim.Id, executor.Pid, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            logger.LogWarning("run {RunId}: executor pid not recorded ({Error})", claim.RunId, ex.Message);
        }
    }

    /// <summary>Releases the claims of executors that exited; one whose release fails stays for the next turn.</summary>
    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        foreach (var executor in executors.Where(e => e.HasExited).ToList())
        {
            try
            {
                var release = await claims.ReleaseAsync(executor.Claim, executor.ExitCode, executor.StoppedByWorker, staleAfter, cancellationToken).ConfigureAwait(false);
                if (release.Requeued)
                {
                    requeued++;
                }

                logger.LogInformation("run {RunId}: executor pid {Pid} {Outcome}", executor.Claim.RunId, executor.Pid, release.Outcome);
                executors.Remove(executor);
                executor.Dispose();
            }
            catch (DbException ex)
            {
                logger.LogWarning("run {RunId}: claim not released yet ({Error}); retrying", executor.Claim.RunId, ex.Message);
            }
        }
    }

    /// <summary>SIGTERM to every executor, a bounded wait for them to pause their runs, the claims released, the row removed.</summary>
    private async Task StopExecutorsAsync()
    {
        try
        {
            await registry.SetStoppingAsync(identity.WorkerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            logger.LogWarning("could not record STOPPING ({Error})", ex.Message);
        }

        if (executors.Count > 0)
        {
            logger.LogInformation("stopping: SIGTERM to {Count} executor(s); their runs pause and go back to the queue", executors.Count);
        }

        foreach (var executor in executors)
        {
            executor.Terminate();
        }

        var all = Task.WhenAll(executors.Select(e => e.Exited));
        await Task.WhenAny(all, Task.Delay(options.StopTimeout, time)).ConfigureAwait(false);
        for (var attempt = 0; attempt < 3 && executors.Any(e => e.HasExited); attempt++)
        {
            await ReapAsync(CancellationToken.None).ConfigureAwait(false);
        }

        foreach (var left in executors)
        {
            // Still running after the wait: its lease keeps the run its own; a later worker takes it over if it dies.
            logger.LogWarning("run {RunId}: executor pid {Pid} still stopping; left to finish under its lease", left.Claim.RunId, left.Pid);
        }

        var summary = $"{started} run(s) started, {requeued} requeued on stop" + (executors.Count > 0 ? $", {executors.Count} executor(s) left stopping" : string.Empty);
        try
        {
            await registry.RemoveAsync(identity.WorkerId, summary, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            logger.LogWarning("could not remove the worker's row ({Error}); it shows as stale until removed", ex.Message);
        }

        outcome.Stopped($"worker {identity.WorkerId} stopped: {summary}");
        logger.LogInformation("worker {WorkerId} stopped: {Summary}", identity.WorkerId, summary);
    }
}
