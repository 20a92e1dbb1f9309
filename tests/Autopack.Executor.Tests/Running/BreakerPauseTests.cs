using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autopack.Executor.Tests.Running;

public class BreakerPauseTests
{
    [Test]
    public async Task Execute_BreakerOpens_PhaseWaitsWithoutUsingAttemptsThenCompletes()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("brk-1").Phase("brk-1-a", maxAttempts: 3).Build());
        var provider = new FailingThenHealthyProvider(failures: 2);

        var outcome = await s.ExecuteInProcessAsync(runId, configure: services =>
        {
            services.RemoveAll<ILlmProvider>();
            services.AddSingleton<ILlmProvider>(provider);
            services.Replace(ServiceDescriptor.Singleton(sp => new ProviderPipelines(
                [OfflineProvider.ProviderName],
                new ResilienceOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(1), MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1) },
                TimeProvider.System)));
        });

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.PhaseStatus("brk-1-a"), Is.EqualTo("COMPLETE"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind='phase_waiting' AND phase_id='brk-1-a'"), Is.EqualTo(1), "the open breaker paused the phase");
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind='phase_resumed' AND phase_id='brk-1-a'"), Is.EqualTo(1));
        Assert.That(s.Db.Scalar("SELECT attempts FROM phases WHERE phase_id='brk-1-a'"), Is.EqualTo(1), "transient failures opened the breaker without using up an attempt; the first attempt waited, then passed");
        Assert.That(provider.Calls, Is.GreaterThan(2), "the breaker let a trial call through after the break");
        Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero, "waiting holds no reservation");
    }

    /// <summary>The offline provider's name, failing with HTTP 503 for the first calls (with retries: 2 per attempt).</summary>
    private sealed class FailingThenHealthyProvider(int failures) : ILlmProvider
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public string Name => OfflineProvider.ProviderName;

        public string Model => "flaky-1";

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref calls);
            return n <= failures * 2
                ? Task.FromException<LlmResponse>(new ProviderException(Name, ProviderErrorKind.ServerError, "HTTP 503: overloaded", 503))
                : Task.FromResult(LlmResponse.FromText(request.Role == "auditor" ? "APPROVED" : "done", 10, 5, Model));
        }
    }
}
