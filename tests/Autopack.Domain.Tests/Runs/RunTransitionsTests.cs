using Autopack.Domain.Runs;

namespace Autopack.Domain.Tests.Runs;

public class RunTransitionsTests
{
    [Test]
    public void Ensure_QueuedToExecuting_Allowed() =>
        Assert.That(RunTransitions.Ensure("r", RunStatus.Queued, RunStatus.Executing), Is.EqualTo(RunStatus.Executing));

    [Test]
    public void Ensure_PausedToQueued_AllowedForTheWorkers() =>
        Assert.That(RunTransitions.Ensure("r", RunStatus.Paused, RunStatus.Queued), Is.EqualTo(RunStatus.Queued));

    [TestCase(RunStatus.DoneSuccess, RunStatus.Executing)]
    [TestCase(RunStatus.Executing, RunStatus.Queued)]
    [TestCase(RunStatus.DoneFailed, RunStatus.Queued)]
    [TestCase(RunStatus.Aborted, RunStatus.Paused)]
    [TestCase(RunStatus.Queued, RunStatus.DoneSuccess)]
    [TestCase(RunStatus.Paused, RunStatus.DoneSuccess)]
    public void Ensure_IllegalTransition_Throws(RunStatus from, RunStatus to)
    {
        var ex = Assert.Throws<IllegalTransitionException>(() => RunTransitions.Ensure("r1", from, to));
        Assert.That(ex!.Message, Does.Contain("r1").And.Contain(from.ToName()).And.Contain(to.ToName()));
    }

    [Test]
    public void TerminalStates_HaveNoWayOut()
    {
        foreach (var terminal in new[] { RunStatus.DoneSuccess, RunStatus.DoneFailed, RunStatus.Aborted, RunStatus.BudgetExceeded })
        {
            Assert.That(RunTransitions.IsTerminal(terminal), Is.True, terminal.ToName());
            foreach (var to in Enum.GetValues<RunStatus>())
            {
                Assert.That(RunTransitions.IsAllowed(terminal, to), Is.False, $"{terminal} -> {to}");
            }
        }
    }

    [Test]
    public void StatusNames_RoundTripThroughSpecNames()
    {
        Assert.That(RunStatus.DoneSuccess.ToName(), Is.EqualTo("DONE_SUCCESS"));
        Assert.That(PhaseStatus.CiRunning.ToName(), Is.EqualTo("CI_RUNNING"));
        foreach (var status in Enum.GetValues<PhaseStatus>())
        {
            Assert.That(StatusNames.ParsePhase(status.ToName()), Is.EqualTo(status));
        }
    }
}
