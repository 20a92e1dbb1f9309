using Autopack.Domain.Runs;

namespace Autopack.Domain.Tests.Runs;

public sealed class RunProgressTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime T1 = T0.AddMinutes(5);

    [Test]
    public void MoveTo_ResumedAfterAPause_KeepsTheFirstStartAndClearsTheReason()
    {
        var paused = new RunProgress(RunStatus.Queued, null, null, null)
            .MoveTo("r1", RunStatus.Executing, null, T0)
            .MoveTo("r1", RunStatus.Paused, "stopped by operator", T1);

        var resumed = paused.MoveTo("r1", RunStatus.Executing, null, T1.AddMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(paused.FailureReason, Is.EqualTo("stopped by operator"));
            Assert.That((resumed.StartedAt, resumed.FailureReason, resumed.FinishedAt), Is.EqualTo(((DateTime?)T0, (string?)null, (DateTime?)null)));
        });
    }

    [Test]
    public void MoveTo_Terminal_SetsTheEndAndTheReason()
    {
        var ended = new RunProgress(RunStatus.Executing, T0, null, null).MoveTo("r1", RunStatus.BudgetExceeded, "run cap", T1);

        Assert.That((ended.FinishedAt, ended.FailureReason), Is.EqualTo(((DateTime?)T1, "run cap")));
    }

    [Test]
    public void MoveTo_FromATerminalStatus_Throws() =>
        Assert.Throws<IllegalTransitionException>(() => new RunProgress(RunStatus.DoneSuccess, T0, T1, null).MoveTo("r1", RunStatus.Executing, null, T1));

    [Test]
    public void Describe_WithAndWithoutReason_IsTheEventText() =>
        Assert.That(
            (RunProgress.Describe(RunStatus.Queued, RunStatus.Executing, null), RunProgress.Describe(RunStatus.Executing, RunStatus.Paused, "outage")),
            Is.EqualTo(("QUEUED -> EXECUTING", "EXECUTING -> PAUSED: outage")));
}
