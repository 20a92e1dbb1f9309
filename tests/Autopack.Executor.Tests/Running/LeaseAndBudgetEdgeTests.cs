using Autopack.Executor.Control;
using Autopack.Llm.Providers;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autopack.Executor.Tests.Running;

public class LeaseAndBudgetEdgeTests
{
    /// <summary>
    /// The heartbeat finds the lease taken over while the last phase finishes (the auditor's reply is already in).
    /// RunDriver then sees Request == Abort (MarkLeaseLost calls RequestAbort) after the phase loop and records the
    /// run ABORTED "by operator" -- a write after the lease was lost, misattributed to an operator abort.
    /// </summary>
    [Test]
    public async Task LeaseLostAfterLastPhase_IsNotRecordedAsOperatorAbort()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("rv-lease").Phase("rv-lease-a").Build());

        var outcome = await s.ExecuteInProcessAsync(runId, configure: services =>
        {
            services.RemoveAll<ILlmProvider>();
            services.AddSingleton<ILlmProvider>(sp => new LeaseLosingProvider(sp.GetRequiredService<RunControl>()));
        });

        Assert.That(outcome.ExitCode, Is.EqualTo(6), outcome.Message);
        Assert.That(s.RunStatus(runId), Is.Not.EqualTo("ABORTED"), "no operator aborted this run; the lease was lost");
    }

    /// <summary>
    /// Run cap == phase cap (one phase): both are exhausted together; TokenBudget.TryReserve breaks the tie towards
    /// the phase, so the run ends DONE_FAILED instead of BUDGET_EXCEEDED although it is at its cap.
    /// </summary>
    [Test]
    public async Task RunAtItsCap_EndsBudgetExceeded_EvenWhenPhaseHeadroomTies()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("rv-tie", runCap: 1500).Phase("rv-tie-a", cap: 1500, offlineRejections: 100, maxAttempts: 100).Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(s.Db.Scalar("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id='rv-tie'"), Is.LessThanOrEqualTo(1500));
        Assert.That(s.RunStatus(runId), Is.EqualTo("BUDGET_EXCEEDED"), outcome.Message);
    }

    private sealed class LeaseLosingProvider(RunControl control) : ILlmProvider
    {
        public string Name => OfflineProvider.ProviderName;

        public string Model => "lease-losing-1";

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
        {
            if (request.Role == "auditor")
            {
                // The reply is already here when the heartbeat marks the lease lost.
                control.MarkLeaseLost();
                return Task.FromResult(LlmResponse.FromText("APPROVED", 10, 5, Model));
            }

            return Task.FromResult(LlmResponse.FromText("done", 10, 5, Model));
        }
    }
}
