using Autopack.Domain.Runs;

namespace Autopack.Domain.Tests.Runs;

public class PhaseTransitionsTests
{
    // The phase state machine as the SPEC describes it: an attempt goes EXECUTING -> CI_RUNNING -> GATE -> COMPLETE,
    // any in-flight step may fail, time out, exceed its budget or be sent back to QUEUED for another attempt,
    // a timed-out phase is either retried or failed, and a queued phase with no attempts left fails.
    private static readonly Dictionary<PhaseStatus, PhaseStatus[]> Legal = new()
    {
        [PhaseStatus.Queued] = [PhaseStatus.Executing, PhaseStatus.Skipped, PhaseStatus.BudgetExceeded, PhaseStatus.Failed],
        [PhaseStatus.Executing] = [PhaseStatus.CiRunning, PhaseStatus.Gate, PhaseStatus.Failed, PhaseStatus.TimedOut, PhaseStatus.BudgetExceeded, PhaseStatus.Queued],
        [PhaseStatus.CiRunning] = [PhaseStatus.Gate, PhaseStatus.Failed, PhaseStatus.TimedOut, PhaseStatus.BudgetExceeded, PhaseStatus.Queued],
        [PhaseStatus.Gate] = [PhaseStatus.Complete, PhaseStatus.Failed, PhaseStatus.TimedOut, PhaseStatus.BudgetExceeded, PhaseStatus.Queued],
        [PhaseStatus.TimedOut] = [PhaseStatus.Queued, PhaseStatus.Failed],
        [PhaseStatus.Complete] = [],
        [PhaseStatus.Failed] = [],
        [PhaseStatus.Skipped] = [],
        [PhaseStatus.BudgetExceeded] = [],
    };

    private static IEnumerable<TestCaseData> AllPairs() =>
        from source in Enum.GetValues<PhaseStatus>()
        from target in Enum.GetValues<PhaseStatus>()
        select new TestCaseData(source, target).SetName($"IsAllowed_{source}To{target}_MatchesStateMachine");

    [TestCaseSource(nameof(AllPairs))]
    public void IsAllowed_EveryPair_MatchesStateMachine(PhaseStatus from, PhaseStatus to) =>
        Assert.That(PhaseTransitions.IsAllowed(from, to), Is.EqualTo(Legal[from].Contains(to)), $"{from.ToName()} -> {to.ToName()}");

    [TestCase(PhaseStatus.Queued, PhaseStatus.Executing)]
    [TestCase(PhaseStatus.Executing, PhaseStatus.CiRunning)]
    [TestCase(PhaseStatus.CiRunning, PhaseStatus.Gate)]
    [TestCase(PhaseStatus.Gate, PhaseStatus.Complete)]
    [TestCase(PhaseStatus.Gate, PhaseStatus.Queued)]
    [TestCase(PhaseStatus.Executing, PhaseStatus.TimedOut)]
    [TestCase(PhaseStatus.TimedOut, PhaseStatus.Queued)]
    [TestCase(PhaseStatus.TimedOut, PhaseStatus.Failed)]
    [TestCase(PhaseStatus.Queued, PhaseStatus.Skipped)]
    public void Ensure_LegalTransition_ReturnsTarget(PhaseStatus from, PhaseStatus to) =>
        Assert.That(PhaseTransitions.Ensure("p1", from, to), Is.EqualTo(to));

    [TestCase(PhaseStatus.Queued, PhaseStatus.Complete)]
    [TestCase(PhaseStatus.Queued, PhaseStatus.Gate)]
    [TestCase(PhaseStatus.Executing, PhaseStatus.Complete)]
    [TestCase(PhaseStatus.CiRunning, PhaseStatus.Complete)]
    [TestCase(PhaseStatus.Executing, PhaseStatus.Executing)]
    [TestCase(PhaseStatus.Complete, PhaseStatus.Queued)]
    [TestCase(PhaseStatus.Failed, PhaseStatus.Executing)]
    [TestCase(PhaseStatus.Skipped, PhaseStatus.Queued)]
    [TestCase(PhaseStatus.BudgetExceeded, PhaseStatus.Executing)]
    [TestCase(PhaseStatus.TimedOut, PhaseStatus.Complete)]
    public void Ensure_IllegalTransition_ThrowsNamingPhaseAndStates(PhaseStatus from, PhaseStatus to)
    {
        var ex = Assert.Throws<IllegalTransitionException>(() => PhaseTransitions.Ensure("phase-42", from, to));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.From, Is.EqualTo(from.ToName()));
            Assert.That(ex.To, Is.EqualTo(to.ToName()));
            Assert.That(ex.Message, Does.Contain("phase-42").And.Contain(from.ToName()).And.Contain(to.ToName()));
        });
    }

    [TestCase(PhaseStatus.Complete, true)]
    [TestCase(PhaseStatus.Failed, true)]
    [TestCase(PhaseStatus.Skipped, true)]
    [TestCase(PhaseStatus.BudgetExceeded, true)]
    [TestCase(PhaseStatus.Queued, false)]
    [TestCase(PhaseStatus.Executing, false)]
    [TestCase(PhaseStatus.CiRunning, false)]
    [TestCase(PhaseStatus.Gate, false)]
    [TestCase(PhaseStatus.TimedOut, false)]
    public void IsTerminal_Status_MatchesSpec(PhaseStatus status, bool terminal) =>
        Assert.That(PhaseTransitions.IsTerminal(status), Is.EqualTo(terminal));

    [Test]
    public void IsTerminal_TerminalStates_HaveNoWayOut()
    {
        foreach (var terminal in Enum.GetValues<PhaseStatus>().Where(PhaseTransitions.IsTerminal))
        {
            foreach (var to in Enum.GetValues<PhaseStatus>())
            {
                Assert.That(PhaseTransitions.IsAllowed(terminal, to), Is.False, $"{terminal.ToName()} -> {to.ToName()}");
            }
        }
    }

    [TestCase(PhaseStatus.Executing, true)]
    [TestCase(PhaseStatus.CiRunning, true)]
    [TestCase(PhaseStatus.Gate, true)]
    [TestCase(PhaseStatus.Queued, false)]
    [TestCase(PhaseStatus.Complete, false)]
    [TestCase(PhaseStatus.Failed, false)]
    [TestCase(PhaseStatus.TimedOut, false)]
    [TestCase(PhaseStatus.Skipped, false)]
    [TestCase(PhaseStatus.BudgetExceeded, false)]
    public void IsInFlight_Status_TrueOnlyWhileAnAttemptRuns(PhaseStatus status, bool inFlight) =>
        Assert.That(PhaseTransitions.IsInFlight(status), Is.EqualTo(inFlight));

    [Test]
    public void StatusNames_EveryPhaseStatus_RoundTripsThroughSpecName()
    {
        Assert.That(
            StatusNames.AllPhaseNames,
            Is.EquivalentTo(new[] { "QUEUED", "EXECUTING", "CI_RUNNING", "GATE", "COMPLETE", "FAILED", "TIMED_OUT", "SKIPPED", "BUDGET_EXCEEDED" }));
        Assert.That(
            StatusNames.AllRunNames,
            Is.EquivalentTo(new[] { "QUEUED", "EXECUTING", "PAUSED", "DONE_SUCCESS", "DONE_FAILED", "ABORTED", "BUDGET_EXCEEDED" }));
        Assert.That(() => StatusNames.ParsePhase("executing"), Throws.TypeOf<FormatException>());
    }
}
