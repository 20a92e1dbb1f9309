using Autopack.Executor.Calls;
using Autopack.Llm.Providers;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Running;

/// <summary>
/// Every model call of a phase (each builder turn, the auditor) goes through here: a budgeted call that waits out
/// a provider outage (transient failures after their retries, an open breaker) instead of failing the phase, with
/// an event when it starts waiting and one when the provider answers again. An outage longer than
/// <see cref="ExecutorSettings.OutagePauseSeconds"/> throws <see cref="ProviderOutageException"/>, which pauses the run.
/// Waits are cancellable at any moment (stop, abort, operator timeout).
/// </summary>
public sealed class PausingLlmCaller(BudgetedLlmClient llm, EventLog events, ExecutorSettings settings, TimeProvider time, ILogger<PausingLlmCaller> logger)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);

    public async Task<LlmCallResult> CallAsync(CallTarget target, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var limit = TimeSpan.FromSeconds(settings.OutagePauseSeconds);
        DateTimeOffset? since = null;
        var backoff = FirstWait;
        while (true)
        {
            TimeSpan wait;
            string reason;
            try
            {
                var result = await llm.CallAsync(target, request, cancellationToken).ConfigureAwait(false);
                if (since is { } start)
                {
                    var waited = time.GetUtcNow() - start;
                    logger.LogInformation("phase {PhaseId}: {Provider} answered again after {Seconds:F0}s", target.PhaseId, target.Provider, waited.TotalSeconds);
                    await events.AppendAsync("phase_resumed", $"{target.Provider} answered again after {waited.TotalSeconds:F0}s; phase continues", target.RunId, target.PhaseId, CancellationToken.None).ConfigureAwait(false);
                }

                return result;
            }
            catch (ProviderUnavailableException ex)
            {
                reason = "circuit breaker is open";
                wait = ex.RetryAfter is { } after && after > TimeSpan.Zero ? after + TimeSpan.FromMilliseconds(50) : FirstWait;
            }
            catch (ProviderException ex) when (ex.IsTransient)
            {
                reason = ex.Message;
                wait = ex.RetryAfter is { } after && after > TimeSpan.Zero ? after : backoff;
                backoff = backoff * 2 < MaxWait ? backoff * 2 : MaxWait;
            }

            var now = time.GetUtcNow();
            if (since is null)
            {
                since = now;
                logger.LogWarning("phase {PhaseId}: {Provider} unavailable ({Reason}); waiting without using an attempt", target.PhaseId, target.Provider, reason);
                await events.AppendAsync("phase_waiting",
                    $"{target.Provider} unavailable ({reason}); phase waits without using an attempt, run pauses after {limit.TotalSeconds:F0}s",
                    target.RunId, target.PhaseId, CancellationToken.None).ConfigureAwait(false);
            }

            var elapsed = now - since.Value;
            if (elapsed >= limit)
            {
                throw new ProviderOutageException(target.Provider, elapsed, reason);
            }

            // Never sleep past the limit: one last try at it, then pause.
            wait = wait < MaxWait ? wait : MaxWait;
            var left = limit - elapsed;
            await Task.Delay(wait < left ? wait : left, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
