using Autopack.Domain.Runs;

namespace Autopack.Domain.Tests.Runs;

public sealed class PhaseProgressTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime T1 = T0.AddMinutes(5);

    private static PhaseProgress Queued(int attempts = 0) => new(PhaseStatus.Queued, attempts, 3, null, null, null, null);

    [Test]
    public void MoveTo_QueuedToExecuting_CountsAnAttemptAndStartsTheClockOnce()
    {
        var first = Queued().MoveTo("p1", PhaseStatus.Executing, T0);
        var second = first.MoveTo("p1", PhaseStatus.Queued, T1, "rejected").MoveTo("p1", PhaseStatus.Executing, T1);

        Assert.Multiple(() =>
        {
            Assert.That((first.Attempts, first.StartedAt), Is.EqualTo((1, (DateTime?)T0)));
            Assert.That((second.Attempts, second.StartedAt), Is.EqualTo((2, (DateTime?)T0)), "the start is the first attempt's");
        });
    }

    [Test]
    public void MoveTo_InterruptedAttemptRefunded_AttemptNotCounted()
    {
        var executing = Queued(attempts: 1).MoveTo("p1", PhaseStatus.Executing, T0);

        var back = executing.MoveTo("p1", PhaseStatus.Queued, T1, "interrupted", refundAttempt: true);

        Assert.That((executing.Attempts, back.Attempts), Is.EqualTo((2, 1)));
    }

    [Test]
    public void MoveTo_Complete_EndsTheClockClearsTheReasonAndKeepsTheCommit()
    {
        var gate = Queued().MoveTo("p1", PhaseStatus.Executing, T0) with { Status = PhaseStatus.Gate, FailureReason = "rejected once" };

        var complete = gate.MoveTo("p1", PhaseStatus.Complete, T1, commitSha: "abc123");

        Assert.That((complete.Status, complete.FinishedAt, complete.FailureReason, complete.CommitSha),
            Is.EqualTo((PhaseStatus.Complete, (DateTime?)T1, (string?)null, "abc123")));
    }

    [Test]
    public void MoveTo_IllegalMove_ThrowsAndNamesThePhase()
    {
        var ex = Assert.Throws<IllegalTransitionException>(() => Queued().MoveTo("p9", PhaseStatus.Complete, T0));

        Assert.That(ex!.Message, Does.Contain("p9").And.Contain("QUEUED").And.Contain("COMPLETE"));
    }

    [Test]
    public void DescribeMoveFrom_StartedAttemptAndCommit_SaysBoth()
    {
        var executing = Queued().MoveTo("p1", PhaseStatus.Executing, T0);
        var complete = (executing with { Status = PhaseStatus.Gate }).MoveTo("p1", PhaseStatus.Complete, T1, commitSha: "0123456789abcdef");

        Assert.Multiple(() =>
        {
            Assert.That(executing.DescribeMoveFrom(PhaseStatus.Queued, null, null), Is.EqualTo("QUEUED -> EXECUTING (attempt 1/3)"));
            Assert.That(complete.DescribeMoveFrom(PhaseStatus.Gate, null, "0123456789abcdef"), Is.EqualTo("GATE -> COMPLETE as commit 0123456789ab"));
        });
    }
}
