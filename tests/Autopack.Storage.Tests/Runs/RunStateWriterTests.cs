using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Runs;

public class RunStateWriterTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private RunStateWriter writer = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        writer = new RunStateWriter(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("p1", maxAttempts: 3).Phase("p2").Phase("p3").Build(), time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    private List<string> Events(string kind) =>
        Sql.Column(db.Database, "SELECT message FROM events WHERE kind = $k ORDER BY id", ("$k", kind));

    [Test]
    public async Task TransitionRunAsync_QueuedToExecuting_WritesStatusStartTimeAndEvent()
    {
        time.Advance(TimeSpan.FromSeconds(5));

        var run = await writer.TransitionRunAsync("r1", RunStatus.Executing);

        Assert.That(run.Status, Is.EqualTo(RunStatus.Executing));
        Assert.That(
            Sql.Rows(db.Database, "SELECT status, started_at, finished_at FROM runs WHERE run_id = 'r1'").Single(),
            Is.EqualTo(new object?[] { "EXECUTING", "2026-11-25T17:00:05.000Z", null }));
        Assert.That(Events("run_status"), Is.EqualTo(new[] { "QUEUED -> EXECUTING" }));
    }

    [Test]
    public async Task TransitionRunAsync_ToTerminalWithReason_RecordsFinishTimeAndReason()
    {
        await writer.TransitionRunAsync("r1", RunStatus.Executing);
        time.Advance(TimeSpan.FromMinutes(2));

        await writer.TransitionRunAsync("r1", RunStatus.BudgetExceeded, "run used 5000000 of 5000000 tokens");

        Assert.That(
            Sql.Rows(db.Database, "SELECT status, finished_at, failure_reason FROM runs WHERE run_id = 'r1'").Single(),
            Is.EqualTo(new object?[] { "BUDGET_EXCEEDED", "2026-11-25T17:02:00.000Z", "run used 5000000 of 5000000 tokens" }));
        Assert.That(Events("run_status").Last(), Is.EqualTo("EXECUTING -> BUDGET_EXCEEDED: run used 5000000 of 5000000 tokens"));
    }

    [TestCase(RunStatus.DoneSuccess)]
    [TestCase(RunStatus.Paused)]
    [TestCase(RunStatus.Queued)]
    public void TransitionRunAsync_IllegalFromQueued_ThrowsAndChangesNothing(RunStatus to)
    {
        var before = Sql.Rows(db.Database, "SELECT * FROM runs");
        var events = Sql.Scalar(db.Database, "SELECT count(*) FROM events");

        var ex = Assert.ThrowsAsync<IllegalTransitionException>(() => writer.TransitionRunAsync("r1", to));

        Assert.That(ex!.From, Is.EqualTo("QUEUED"));
        Assert.That(Sql.Rows(db.Database, "SELECT * FROM runs"), Is.EqualTo(before));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events"), Is.EqualTo(events));
    }

    [Test]
    public async Task TransitionRunAsync_FromTerminal_ThrowsAndChangesNothing()
    {
        await writer.TransitionRunAsync("r1", RunStatus.Aborted, "operator abort");
        var before = Sql.Rows(db.Database, "SELECT * FROM runs");

        Assert.ThrowsAsync<IllegalTransitionException>(() => writer.TransitionRunAsync("r1", RunStatus.Executing));

        Assert.That(Sql.Rows(db.Database, "SELECT * FROM runs"), Is.EqualTo(before));
        Assert.That(Events("run_status"), Has.Count.EqualTo(1));
    }

    [Test]
    public void TransitionRunAsync_UnknownRun_ThrowsNotFound() =>
        Assert.ThrowsAsync<NotFoundException>(() => writer.TransitionRunAsync("nope", RunStatus.Executing));

    [Test]
    public async Task TransitionPhaseAsync_FullAttempt_WritesEveryStepToEvents()
    {
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.CiRunning);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Gate);
        time.Advance(TimeSpan.FromSeconds(30));
        var phase = await writer.TransitionPhaseAsync("p1", PhaseStatus.Complete);

        Assert.That(phase.Status, Is.EqualTo(PhaseStatus.Complete));
        Assert.That(
            Sql.Rows(db.Database, "SELECT status, attempts, started_at, finished_at FROM phases WHERE phase_id = 'p1'").Single(),
            Is.EqualTo(new object?[] { "COMPLETE", 1L, "2026-11-25T17:00:00.000Z", "2026-11-25T17:00:30.000Z" }));
        Assert.That(
            Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'phase_status' AND phase_id = 'p1' AND run_id = 'r1' ORDER BY id"),
            Is.EqualTo(new[] { "QUEUED -> EXECUTING (attempt 1/3)", "EXECUTING -> CI_RUNNING", "CI_RUNNING -> GATE", "GATE -> COMPLETE" }));
    }

    [Test]
    public async Task TransitionPhaseAsync_RejectedThenRetried_CountsEachAttempt()
    {
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Gate);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Queued, "auditor: missing tests");
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.TimedOut, "operator timeout");
        var phase = await writer.TransitionPhaseAsync("p1", PhaseStatus.Queued);
        Assert.That(phase.Attempts, Is.EqualTo(2), "only QUEUED -> EXECUTING counts an attempt");

        phase = await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);

        Assert.That(phase.Attempts, Is.EqualTo(3));
        Assert.That(Sql.Scalar(db.Database, "SELECT attempts FROM phases WHERE phase_id = 'p1'"), Is.EqualTo(3));
        Assert.That(Events("phase_status").Where(m => m.StartsWith("QUEUED -> EXECUTING", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "QUEUED -> EXECUTING (attempt 1/3)", "QUEUED -> EXECUTING (attempt 2/3)", "QUEUED -> EXECUTING (attempt 3/3)" }));
        Assert.That(Events("phase_status"), Has.Count.EqualTo(7));
    }

    [TestCase(PhaseStatus.Complete)]
    [TestCase(PhaseStatus.Gate)]
    [TestCase(PhaseStatus.CiRunning)]
    public void TransitionPhaseAsync_IllegalFromQueued_ThrowsAndChangesNothing(PhaseStatus to)
    {
        var before = Sql.Rows(db.Database, "SELECT * FROM phases ORDER BY phase_id");
        var events = Sql.Scalar(db.Database, "SELECT count(*) FROM events");

        var ex = Assert.ThrowsAsync<IllegalTransitionException>(() => writer.TransitionPhaseAsync("p1", to));

        Assert.That(ex!.Message, Does.Contain("p1"));
        Assert.That(Sql.Rows(db.Database, "SELECT * FROM phases ORDER BY phase_id"), Is.EqualTo(before));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events"), Is.EqualTo(events));
    }

    [Test]
    public async Task TransitionPhaseAsync_FromTerminal_ThrowsAndChangesNothing()
    {
        await writer.TransitionPhaseAsync("p2", PhaseStatus.Skipped, "run aborted");
        var before = Sql.Rows(db.Database, "SELECT * FROM phases ORDER BY phase_id");

        Assert.ThrowsAsync<IllegalTransitionException>(() => writer.TransitionPhaseAsync("p2", PhaseStatus.Executing));

        Assert.That(Sql.Rows(db.Database, "SELECT * FROM phases ORDER BY phase_id"), Is.EqualTo(before));
        Assert.That(Sql.Scalar(db.Database, "SELECT attempts FROM phases WHERE phase_id = 'p2'"), Is.Zero);
    }

    [Test]
    public void TransitionPhaseAsync_UnknownPhase_ThrowsNotFound() =>
        Assert.ThrowsAsync<NotFoundException>(() => writer.TransitionPhaseAsync("p404", PhaseStatus.Executing));

    [Test]
    public async Task TransitionPhaseAsync_FailureReason_IsRecordedAndClearedOnCompletion()
    {
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Queued, "verify failed: exit 1");
        Assert.That(Sql.Column(db.Database, "SELECT failure_reason FROM phases WHERE phase_id = 'p1'"), Is.EqualTo(new[] { "verify failed: exit 1" }));

        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Gate);
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Complete);

        Assert.That(Sql.Rows(db.Database, "SELECT failure_reason FROM phases WHERE phase_id = 'p1'").Single()[0], Is.Null);
    }

    [Test]
    public async Task SkipQueuedPhasesAsync_MixedPhases_SkipsOnlyQueuedOnes()
    {
        await writer.TransitionPhaseAsync("p1", PhaseStatus.Executing);

        var skipped = await writer.SkipQueuedPhasesAsync("r1", "run aborted");

        Assert.That(skipped, Is.EqualTo(2));
        Assert.That(
            Sql.Rows(db.Database, "SELECT phase_id, status, failure_reason FROM phases ORDER BY position"),
            Is.EqualTo(new[]
            {
                new object?[] { "p1", "EXECUTING", null },
                new object?[] { "p2", "SKIPPED", "run aborted" },
                new object?[] { "p3", "SKIPPED", "run aborted" },
            }));
        Assert.That(Events("phase_status").Count(m => m == "QUEUED -> SKIPPED: run aborted"), Is.EqualTo(2));
    }
}
