using Autopack.Executor.Control;
using Autopack.Llm.Resilience;
using Autopack.Storage.Breakers;
using Autopack.Storage.Leases;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Hosting;

/// <summary>
/// Keeps the lease alive while the run executes, and with each beat publishes the breaker states (they live in
/// this process) and applies operators' breaker reset requests. A lost lease (another executor took the run
/// over) stops this executor without writing anything more.
/// </summary>
public sealed class LeaseHeartbeat(
    ExecutorLeases leases,
    BreakerStates breakerStates,
    ProviderPipelines pipelines,
    RunControl control,
    ExecutorIdentity identity,
    ExecutorSettings settings,
    TimeProvider time,
    ILogger<LeaseHeartbeat> logger) : BackgroundService
{
    private readonly Dictionary<string, DateTime> appliedResets = new(StringComparer.Ordinal);
    private readonly DateTime startedAt = time.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await control.LeaseHeld.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        pipelines.StateChanged += OnBreakerChanged;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.HeartbeatSeconds), time);

            // Stopping disposes the timer, which ends the wait with false. A wait cancelled through its token instead
            // throws an exception carrying a stack trace with file and line numbers: it loaded System.Reflection.Metadata
            // and read the PDBs at every executor's exit, some 10 ms (docs/PERFORMANCE.md, "Start-up").
            using var stopping = stoppingToken.Register(timer.Dispose);
            do
            {
                await BeatAsync(stoppingToken).ConfigureAwait(false);
            }
            while (!control.LeaseLost && await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            pipelines.StateChanged -= OnBreakerChanged;
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await leases.HeartbeatAsync(identity.RunId, identity.OwnerId, cancellationToken).ConfigureAwait(false))
            {
                logger.LogCritical("lease on run {RunId} was taken over by another executor; stopping without further writes", identity.RunId);
                control.MarkLeaseLost();
                return;
            }

            foreach (var (name, requestedAt) in await breakerStates.ResetRequestsAsync(cancellationToken).ConfigureAwait(false))
            {
                // Requests made before this executor started do not concern it: its breakers started closed.
                var applied = appliedResets.GetValueOrDefault(name, startedAt);
                if (requestedAt > applied && pipelines.Names.Contains(name))
                {
                    await pipelines.ResetAsync(name, cancellationToken).ConfigureAwait(false);
                    appliedResets[name] = requestedAt;
                    logger.LogWarning("circuit breaker {Breaker} reset by operator request", name);
                }
            }

            foreach (var snapshot in pipelines.Snapshot())
            {
                await PublishAsync(snapshot, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            logger.LogWarning(ex, "heartbeat failed; retrying at the next beat");
        }
    }

    private void OnBreakerChanged(BreakerSnapshot snapshot)
    {
        logger.LogWarning("circuit breaker {Breaker} is now {State}", snapshot.Name, snapshot.State);
        _ = PublishAsync(snapshot, CancellationToken.None);
    }

    private async Task PublishAsync(BreakerSnapshot snapshot, CancellationToken cancellationToken)
    {
        try
        {
            await breakerStates.PublishAsync(snapshot.Name, snapshot.State, snapshot.ConsecutiveFailures, snapshot.OpenedAt, $"executor pid {identity.Pid}", cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            logger.LogWarning(ex, "could not publish breaker {Breaker}", snapshot.Name);
        }
    }
}
