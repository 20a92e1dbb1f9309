using Autopack.Executor.Calls;
using Autopack.Llm.Providers;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Running;

/// <summary>
/// Every model call of a phase (each builder turn, the auditor) goes through here: a budgeted call that waits out
/// an open breaker (cancellable at any moment) instead of failing the phase, with an event when it starts waiting
/// and one when the provider lets a call through again.
/// </summary>
public sealed class PausingLlmCaller(BudgetedLlmClient llm, EventLog events, TimeProvider time, ILogger<PausingLlmCaller> logger)
{
    private static readonly TimeSpan MaxBreakerWait = TimeSpan.FromSeconds(30);

    public async Task<LlmCallResult> CallAsync(CallTarget target, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var waiting = false;
        while (true)
        {
            try
            {
                var result = await llm.CallAsync(target, request, cancellationToken).ConfigureAwait(false);
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
}
