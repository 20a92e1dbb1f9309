using System.Collections.Concurrent;
using System.Text;
using Autopack.Domain.Budgets;
using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Calls;

/// <summary>
/// Many callers charging one run and several phases at once, with a provider that miscounts both ways: the
/// caps must hold as hard limits whatever the interleaving.
/// </summary>
public sealed class BudgetedLlmClientConcurrencyTests
{
    private const int Tasks = 16;
    private const int CallsPerTask = 50;
    private const long RunCap = 70_000;

    private static readonly Dictionary<string, long> PhaseCaps = new(StringComparer.Ordinal)
    {
        ["c-p1"] = 8_000,
        ["c-p2"] = 15_000,
        ["c-p3"] = 30_000,
        ["c-p4"] = 60_000,
    };

    private static readonly string[] Words = "the executor reserves worst case tokens against phase and run then settles to reported usage while operators watch the dashboard".Split(' ');

    [Test]
    public async Task CallAsync_ManyConcurrentCallersWithAMiscountingProvider_NeverPassAnyCapAndLeaveNoReservations()
    {
        await using var scenario = new BudgetScenario(maxOutputTokens: 200, minOutputTokens: 20);
        var plan = new PlanBuilder("c-run", runCap: RunCap);
        foreach (var (phaseId, cap) in PhaseCaps)
        {
            plan.Phase(phaseId, cap: cap);
        }

        await scenario.Db.CreateRunAsync(plan.Build());
        var provider = new MiscountingProvider(scenario.Counter, seed: 20261125);
        var client = scenario.Client(provider);
        var phases = PhaseCaps.Keys.ToArray();
        var refusals = new ConcurrentDictionary<BudgetScope, int>();

        // One call before the crowd: concurrent FIRST calls of a provider race while Polly builds its pipeline
        // (ProviderPipelinesTests.ExecuteAsync_ConcurrentFirstCalls_AllGoThroughOnePipeline shows that bug on its own).
        await client.CallAsync(new CallTarget("c-run", "c-p4", "c-p4", provider.Name, "owner-1"), "builder", "You are careful.", "warm up", false, CancellationToken.None);
        var settled = 1;

        var workers = Enumerable.Range(0, Tasks).Select(worker => Task.Run(async () =>
        {
            var random = new Random(1000 + worker);
            for (var call = 0; call < CallsPerTask; call++)
            {
                var phase = phases[(worker + call) % phases.Length];
                try
                {
                    await client.CallAsync(new CallTarget("c-run", phase, phase, provider.Name, "owner-1"), call % 2 == 0 ? "builder" : "auditor", "You are careful.", Prompt(random), false, CancellationToken.None);
                    Interlocked.Increment(ref settled);
                }
                catch (BudgetRefusedException ex)
                {
                    refusals.AddOrUpdate(ex.Scope, 1, (_, n) => n + 1);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(45));
        await TestContext.Out.WriteLineAsync(
            $"settled {settled}, refused {string.Join(", ", refusals.Select(r => $"{r.Key}: {r.Value}"))}, over-reports {provider.OverReports}, " +
            $"run used {scenario.UsedByRun("c-run")} of {RunCap}, phases {string.Join(", ", PhaseCaps.Select(p => $"{p.Key} {scenario.UsedByPhase(p.Key)}/{p.Value}"))}");

        Assert.Multiple(() =>
        {
            foreach (var (phaseId, cap) in PhaseCaps)
            {
                Assert.That(scenario.UsedByPhase(phaseId), Is.LessThanOrEqualTo(cap), $"recorded usage of {phaseId} passed its cap");
                Assert.That(scenario.Events("budget_warning", phaseId), Is.EqualTo(scenario.UsedByPhase(phaseId) >= cap * 0.8 ? 1 : 0), $"one 80% warning for {phaseId} when it got there");
            }

            Assert.That(scenario.UsedByRun("c-run"), Is.LessThanOrEqualTo(RunCap), "recorded usage of the run passed its cap");
            Assert.That(scenario.UsedByRun("c-run"), Is.GreaterThan(RunCap * 0.9), "the run cap should have been reached, or the test proves nothing");
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id IS NULL"), Is.EqualTo(1));
            Assert.That(scenario.Reservations, Is.Zero, "every reservation must be settled or released");
            Assert.That(scenario.UsageRows, Is.EqualTo(settled).And.EqualTo(provider.Calls), "one usage row per call that reached the provider");
            Assert.That(settled + refusals.Values.Sum(), Is.EqualTo(1 + (Tasks * CallsPerTask)));
            Assert.That(refusals.GetValueOrDefault(BudgetScope.Phase), Is.GreaterThan(0), "some phase caps should have refused calls");
            Assert.That(refusals.GetValueOrDefault(BudgetScope.Run), Is.GreaterThan(0), "the run cap should have refused calls");
            Assert.That(provider.OverReports, Is.GreaterThan(0).And.LessThan(provider.Calls), "the provider should miscount both ways");
            Assert.That(scenario.Events("budget_overrun"), Is.EqualTo(provider.OverReports), "every over-report is recorded as an overrun");
        });
    }

    private static string Prompt(Random random)
    {
        var text = new StringBuilder("Phase goal: ");
        var words = random.Next(20, 120);
        for (var i = 0; i < words; i++)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(i % 12 == 11 ? ".\n" : " ");
        }

        return text.ToString();
    }
}
