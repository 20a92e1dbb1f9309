using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Executor.Building;
using Autopack.Executor.Tests.Support;
using Autopack.Llm;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Building;

/// <summary>
/// The auditor's share of a phase held while an external builder runs (ADR-040): an agent that spends until it is
/// refused cannot leave its own work without a review.
/// </summary>
public sealed class ReviewShareTests
{
    [TestCase(4_000, 0, 0, 512, 1_000)]
    [TestCase(8_000, 2_000, 1_000, 512, 1_250)]
    [TestCase(500_000, 0, 0, 4_096, 4_096 + 10_000)]
    [TestCase(1_000, 1_000, 0, 512, 0)]
    public void ReviewShareTokens_PhaseHeadroom_AQuarterAtMostTheAuditorsOutputAndPrompt(long cap, long used, long reserved, int maxOutput, long expected) =>
        Assert.That(AgentBuilder.ReviewShareTokens(new BudgetLedger(cap, used, reserved), new BudgetSettings { MaxOutputTokens = maxOutput }), Is.EqualTo(expected));

    [Test]
    public async Task Execute_AgentSpendsUntilRefusedThenLeavesALargeChange_TheAuditorStillReviewsItWithinTheCap()
    {
        const long cap = 8_000;
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        standIn.Answer = body => StandInAgent.IsAuditor(body) ? "APPROVED" : null;
        using var evidence = new TempDirectory("agent-share");

        // A change of over a thousand tokens: more than the agent's last request leaves over once it is refused.
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("share-1", 1_000_000)
            .Phase("share-1-a", cap: cap, provider: "openai", maxAttempts: 1, builder: new BuilderPlan(StandInAgent.Command(evidence.Path, workLines: 100)))
            .Build());

        var outcome = await s.ExecuteInProcessAsync(runId, settings: s.SettingsOn(standIn));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
            Assert.That(File.Exists(evidence.Combine("refusal.json")), Is.True, "the agent was refused by the cap");
            Assert.That(s.PhaseStatus("share-1-a"), Is.EqualTo("COMPLETE"), "the review had its share: " + s.Text("SELECT failure_reason FROM phases WHERE phase_id = 'share-1-a'"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'auditor'"), Is.EqualTo(1));
            Assert.That(s.Db.Scalar("SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events WHERE phase_id = 'share-1-a'"), Is.LessThanOrEqualTo(cap));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });
    }
}
