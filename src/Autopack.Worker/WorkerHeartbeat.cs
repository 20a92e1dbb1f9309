using System.Data.Common;
using Autopack.Storage.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Worker;

/// <summary>
/// Refreshes the worker's heartbeat every AUTOPACK_HEARTBEAT_SECONDS, which keeps its claims live. Registered before
/// <see cref="WorkerService"/>, so the host stops it after the worker has waited for its executors: the claims stay
/// live while the runs stop.
/// </summary>
public sealed class WorkerHeartbeat(
    WorkerRegistry registry,
    WorkerRegistration identity,
    WorkerPresence presence,
    WorkerSettings settings,
    TimeProvider time,
    ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await presence.Registered.WaitAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.HeartbeatSeconds), time);

            // Stopping disposes the timer, which ends the wait with false (no exception and its stack trace; see LeaseHeartbeat).
            using var stopping = stoppingToken.Register(timer.Dispose);
            while (await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    var lost = await registry.HeartbeatAsync(identity, stoppingToken).ConfigureAwait(false);
                    if (lost > 0)
                    {
                        logger.LogWarning("removed {Count} worker(s) silent for over {Hours} h", lost, WorkerRegistry.LostWorkerRetention.TotalHours);
                    }
                }
                catch (DbException ex)
                {
                    logger.LogWarning("heartbeat failed ({Error}); retrying at the next beat", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
