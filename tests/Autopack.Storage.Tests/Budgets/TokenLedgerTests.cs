using Autopack.Domain.Budgets;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Budgets;

public class TokenLedgerTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private TokenLedger ledger = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        ledger = new TokenLedger(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("run", runCap: 10_000).Phase("small", cap: 2_000).Phase("big", cap: 9_000).Build(), time);
        await db.CreateRunAsync(new PlanBuilder("other", runCap: 10_000).Phase("other-p", cap: 5_000).Build(), time);
    }

    [TearDown]
    public void TearDown()
    {
        ledger.Dispose();
        db.Dispose();
    }

    private static UsageRecord Usage(long prompt, long completion, string phase = "small") =>
        new(phase, "offline", "offline-1", "builder", prompt, completion);

    [Test]
    public async Task ReserveAsync_RoomAvailable_HoldsWorstCaseInTheDatabase()
    {
        var reservation = await ledger.ReserveAsync("run", "small", 300, 500, 50, "exec-1");

        Assert.That(reservation.Granted, Is.True);
        Assert.That(reservation.Id, Is.GreaterThan(0));
        Assert.That(
            Sql.Rows(db.Database, "SELECT run_id, phase_id, tokens, owner_id, created_at FROM token_reservations").Single(),
            Is.EqualTo(new object[] { "run", "small", 800L, "exec-1", "2026-11-25T17:00:00.000Z" }));
        var (phase, run) = await ledger.ReadAsync("run", "small");
        Assert.That(phase, Is.EqualTo(new BudgetLedger(2_000, 0, 800)));
        Assert.That(run, Is.EqualTo(new BudgetLedger(10_000, 0, 800)));
    }

    [Test]
    public async Task ReserveAsync_PhaseNearlyFull_ShrinksOutputToPhaseHeadroom()
    {
        await ledger.ReserveAsync("run", "small", 1_000, 500, 50, "exec-1");

        var reservation = await ledger.ReserveAsync("run", "small", 200, 4_000, 50, "exec-1");

        Assert.That(reservation.Decision.MaxOutputTokens, Is.EqualTo(300));
        Assert.That(reservation.Decision.LimitingScope, Is.EqualTo(BudgetScope.Phase));
        Assert.That(Sql.Scalar(db.Database, "SELECT sum(tokens) FROM token_reservations WHERE phase_id = 'small'"), Is.EqualTo(2_000));
    }

    [Test]
    public async Task ReserveAsync_RunHeldByOtherPhase_ShrinksToRunHeadroom()
    {
        var first = await ledger.ReserveAsync("run", "big", 4_000, 5_000, 50, "exec-1");
        await ledger.SettleAsync(first, Usage(4_000, 4_500, "big"));

        var reservation = await ledger.ReserveAsync("run", "small", 100, 4_000, 50, "exec-1");

        Assert.That(reservation.Decision.LimitingScope, Is.EqualTo(BudgetScope.Run));
        Assert.That(reservation.Decision.ReservedTokens, Is.EqualTo(1_500));
    }

    [Test]
    public async Task ReserveAsync_NothingUsefulLeft_RefusesAndHoldsNothing()
    {
        await ledger.ReserveAsync("run", "small", 1_000, 950, 50, "exec-1");

        var refused = await ledger.ReserveAsync("run", "small", 10, 4_000, 100, "exec-1");

        Assert.That(refused.Granted, Is.False);
        Assert.That(refused.Decision.LimitingScope, Is.EqualTo(BudgetScope.Phase));
        Assert.That(refused.Decision.Reason, Does.Contain("phase"));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM token_reservations"), Is.EqualTo(1));
    }

    [Test]
    public void ReserveAsync_UnknownPhaseOrWrongRun_ThrowsNotFound()
    {
        Assert.ThrowsAsync<NotFoundException>(() => ledger.ReserveAsync("run", "nope", 1, 10, 1, "o"));
        Assert.ThrowsAsync<NotFoundException>(() => ledger.ReserveAsync("other", "small", 1, 10, 1, "o"));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM token_reservations"), Is.Zero);
    }

    [Test]
    public async Task SettleAsync_UnderReported_ChargesReportedUsageAndDropsReservation()
    {
        var reservation = await ledger.ReserveAsync("run", "small", 300, 500, 50, "exec-1");
        time.Advance(TimeSpan.FromSeconds(3));

        var result = await ledger.SettleAsync(reservation, new UsageRecord("scaffold", "openai", "gpt-4o-mini", "auditor", 280, 120));

        Assert.That(result.Charged, Is.EqualTo(new SettledUsage(280, 120, 0)));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM token_reservations"), Is.Zero);
        Assert.That(
            Sql.Rows(db.Database, "SELECT id, run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at FROM llm_usage_events").Single(),
            Is.EqualTo(new object[] { result.UsageEventId, "run", "small", "scaffold", "openai", "gpt-4o-mini", "auditor", 280L, 120L, "2026-11-25T17:00:03.000Z" }));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind IN ('budget_warning', 'budget_overrun')"), Is.Zero);
    }

    [Test]
    public async Task SettleAsync_OverReported_ClampsToReservationAndRecordsOverrun()
    {
        var reservation = await ledger.ReserveAsync("run", "big", 300, 500, 50, "exec-1");

        var result = await ledger.SettleAsync(reservation, Usage(400, 900, "big"));

        Assert.That(result.Charged, Is.EqualTo(new SettledUsage(400, 400, 500)));
        Assert.That(Sql.Scalar(db.Database, "SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events"), Is.EqualTo(800));
        var overrun = Sql.Rows(db.Database, "SELECT run_id, phase_id, message FROM events WHERE kind = 'budget_overrun'").Single();
        Assert.That(overrun[0], Is.EqualTo("run"));
        Assert.That(overrun[1], Is.EqualTo("big"));
        Assert.That((string)overrun[2]!, Does.Contain("1300").And.Contain("800").And.Contain("500"));
    }

    [Test]
    public async Task SettleAsync_Crossing80PercentOfPhase_RecordsOneWarning()
    {
        var first = await ledger.ReserveAsync("run", "small", 1_000, 500, 50, "exec-1");
        var firstResult = await ledger.SettleAsync(first, Usage(1_000, 500));
        Assert.That(firstResult.PhaseWarningCrossed, Is.False, "1500 of 2000 is 75%");

        var second = await ledger.ReserveAsync("run", "small", 100, 200, 50, "exec-1");
        var secondResult = await ledger.SettleAsync(second, Usage(100, 50));
        var third = await ledger.ReserveAsync("run", "small", 100, 100, 50, "exec-1");
        var thirdResult = await ledger.SettleAsync(third, Usage(100, 50));

        Assert.That(secondResult.PhaseWarningCrossed, Is.True, "1650 of 2000 crosses 80%");
        Assert.That(secondResult.RunWarningCrossed, Is.False);
        Assert.That(thirdResult.PhaseWarningCrossed, Is.False, "already past 80%");
        var warnings = Sql.Rows(db.Database, "SELECT run_id, phase_id, message FROM events WHERE kind = 'budget_warning'");
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0][1], Is.EqualTo("small"));
        Assert.That((string)warnings[0][2]!, Does.Contain("1650").And.Contain("2000"));
    }

    /// <summary>
    /// A refusal below 80% (the call did not fit beside one in flight) warns first; the settle of the call in flight
    /// that then crosses 80% does not warn again: one warning per scope. Seen as two warnings under many callers.
    /// </summary>
    [Test]
    public async Task SettleAsync_Crossing80PercentAfterAWarningBeforeARefusal_RecordsNoSecondWarning()
    {
        var inFlight = await ledger.ReserveAsync("run", "small", 1_000, 950, 50, "exec-1");
        var refused = await ledger.ReserveAsync("run", "small", 10, 4_000, 100, "exec-1");
        Assert.That(refused.Granted, Is.False);
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id = 'small'"), Is.EqualTo(1), "warned before the refusal, at 0 used");

        var result = await ledger.SettleAsync(inFlight, Usage(1_000, 900));

        Assert.That(result.PhaseWarningCrossed, Is.False, "1900 of 2000 crosses 80%, but the phase has its warning");
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id = 'small'"), Is.EqualTo(1));
    }

    [Test]
    public async Task SettleAsync_Crossing80PercentOfRun_RecordsRunWarningWithoutPhase()
    {
        var reservation = await ledger.ReserveAsync("run", "big", 4_000, 4_500, 50, "exec-1");

        var result = await ledger.SettleAsync(reservation, Usage(4_000, 4_100, "big"));

        Assert.That(result.RunWarningCrossed, Is.True, "8100 of 10000");
        Assert.That(result.PhaseWarningCrossed, Is.True, "8100 of 9000");
        Assert.That(
            Sql.Rows(db.Database, "SELECT run_id, phase_id FROM events WHERE kind = 'budget_warning' ORDER BY phase_id"),
            Is.EqualTo(new[] { new object?[] { "run", null }, new object?[] { "run", "big" } }));
    }

    [Test]
    public async Task ReleaseAsync_HeldReservation_FreesHeadroomAndIsIdempotent()
    {
        var reservation = await ledger.ReserveAsync("run", "small", 1_000, 1_000, 50, "exec-1");
        Assert.That(reservation.Decision.ReservedTokens, Is.EqualTo(2_000));

        await ledger.ReleaseAsync(reservation);
        await ledger.ReleaseAsync(reservation);

        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM token_reservations"), Is.Zero);
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM llm_usage_events"), Is.Zero);
        Assert.That((await ledger.ReserveAsync("run", "small", 1_000, 1_000, 50, "exec-1")).Decision.ReservedTokens, Is.EqualTo(2_000));
    }

    [Test]
    public async Task SettleAsync_AfterRelease_ThrowsAndChargesNothing()
    {
        var reservation = await ledger.ReserveAsync("run", "small", 100, 100, 50, "exec-1");
        await ledger.ReleaseAsync(reservation);

        Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SettleAsync(reservation, Usage(100, 100)));

        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM llm_usage_events"), Is.Zero);
    }

    [Test]
    public async Task SettleAsync_Twice_SecondThrowsAndChargesOnce()
    {
        var reservation = await ledger.ReserveAsync("run", "small", 100, 100, 50, "exec-1");
        await ledger.SettleAsync(reservation, Usage(100, 100));

        Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SettleAsync(reservation, Usage(100, 100)));

        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM llm_usage_events"), Is.EqualTo(1));
    }

    [Test]
    public async Task SettleAsync_RefusedReservation_Throws()
    {
        var refused = await ledger.ReserveAsync("run", "small", 5_000, 100, 50, "exec-1");
        Assume.That(refused.Granted, Is.False);

        Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SettleAsync(refused, Usage(1, 1)));
        await ledger.ReleaseAsync(refused);

        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM llm_usage_events"), Is.Zero);
    }

    [Test]
    public async Task ReleaseAbandonedAsync_OtherOwnersReservations_AreDroppedOnlyForThatRun()
    {
        await ledger.ReserveAsync("run", "small", 100, 100, 50, "dead-exec");
        await ledger.ReserveAsync("run", "big", 100, 100, 50, "dead-exec");
        var mine = await ledger.ReserveAsync("run", "big", 100, 100, 50, "new-exec");
        await ledger.ReserveAsync("other", "other-p", 100, 100, 50, "dead-exec");

        var released = await ledger.ReleaseAbandonedAsync("run", "new-exec");

        Assert.That(released, Is.EqualTo(2));
        Assert.That(
            Sql.Rows(db.Database, "SELECT id, run_id, owner_id FROM token_reservations ORDER BY id"),
            Is.EqualTo(new[] { new object[] { mine.Id, "run", "new-exec" }, new object[] { mine.Id + 1, "other", "dead-exec" } }));
        Assert.That((await ledger.ReadAsync("run", "small")).Phase.Reserved, Is.Zero);
    }
}
