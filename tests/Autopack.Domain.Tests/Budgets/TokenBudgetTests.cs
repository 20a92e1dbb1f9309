using Autopack.Domain.Budgets;

namespace Autopack.Domain.Tests.Budgets;

public class TokenBudgetTests
{
    private static readonly BudgetLedger Roomy = new(Cap: 1_000_000, Used: 0, Reserved: 0);

    [Test]
    public void TryReserve_EnoughHeadroom_GrantsPromptPlusFullOutput()
    {
        var decision = TokenBudget.TryReserve(new BudgetLedger(10_000, 0, 0), new BudgetLedger(100_000, 0, 0), 1_000, 2_000, 100);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Granted, Is.True);
            Assert.That(decision.PromptTokens, Is.EqualTo(1_000));
            Assert.That(decision.MaxOutputTokens, Is.EqualTo(2_000));
            Assert.That(decision.ReservedTokens, Is.EqualTo(3_000));
            Assert.That(decision.Shrunk, Is.False);
            Assert.That(decision.LimitingScope, Is.Null);
        });
    }

    [Test]
    public void TryReserve_PhaseHeadroomBelowAsk_ShrinksOutputToPhaseHeadroom()
    {
        // phase: 5000 cap, 3000 used, 500 reserved -> 1500 free; run has plenty.
        var decision = TokenBudget.TryReserve(new BudgetLedger(5_000, 3_000, 500), Roomy, 1_000, 4_000, 100);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Granted, Is.True);
            Assert.That(decision.MaxOutputTokens, Is.EqualTo(500));
            Assert.That(decision.ReservedTokens, Is.EqualTo(1_500));
            Assert.That(decision.Shrunk, Is.True);
            Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Phase));
        });
    }

    [Test]
    public void TryReserve_RunHeadroomBelowAsk_ShrinksOutputToRunHeadroom()
    {
        // run: 10000 cap, 8000 used, 1200 reserved -> 800 free; phase has plenty.
        var decision = TokenBudget.TryReserve(Roomy, new BudgetLedger(10_000, 8_000, 1_200), 300, 4_000, 100);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Granted, Is.True);
            Assert.That(decision.MaxOutputTokens, Is.EqualTo(500));
            Assert.That(decision.ReservedTokens, Is.EqualTo(800));
            Assert.That(decision.Shrunk, Is.True);
            Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Run));
        });
    }

    [Test]
    public void TryReserve_OutputRoomExactlyMinUseful_GrantsMinUseful()
    {
        var decision = TokenBudget.TryReserve(new BudgetLedger(1_100, 0, 0), Roomy, 1_000, 4_000, 100);

        Assert.That(decision.Granted, Is.True);
        Assert.That(decision.MaxOutputTokens, Is.EqualTo(100));
    }

    [Test]
    public void TryReserve_LessThanMinUsefulLeftOnPhase_RefusesNamingPhase()
    {
        var decision = TokenBudget.TryReserve(new BudgetLedger(1_099, 0, 0), Roomy, 1_000, 4_000, 100);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Granted, Is.False);
            Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Phase));
            Assert.That(decision.Reason, Does.StartWith("phase budget exhausted"));
            Assert.That(decision.ReservedTokens, Is.Zero);
        });
    }

    [Test]
    public void TryReserve_LessThanMinUsefulLeftOnRun_RefusesNamingRun()
    {
        var decision = TokenBudget.TryReserve(Roomy, new BudgetLedger(50_000, 49_000, 900), 10, 4_000, 100);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Granted, Is.False);
            Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Run));
            Assert.That(decision.Reason, Does.StartWith("run budget exhausted"));
            Assert.That(decision.ReservedTokens, Is.Zero);
        });
    }

    [Test]
    public void TryReserve_PromptAloneLargerThanHeadroom_Refuses()
    {
        var decision = TokenBudget.TryReserve(new BudgetLedger(2_000, 0, 0), Roomy, 2_500, 100, 1);

        Assert.That(decision.Granted, Is.False);
        Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Phase));
    }

    [Test]
    public void TryReserve_HeadroomHeldByOtherReservations_Refuses()
    {
        // Nothing is used yet, but calls in flight hold the whole cap.
        var decision = TokenBudget.TryReserve(new BudgetLedger(10_000, 0, 10_000), Roomy, 1, 1_000, 1);

        Assert.That(decision.Granted, Is.False);
    }

    [Test]
    public void TryReserve_LedgerAlreadyOverCap_RefusesWithZeroHeadroom()
    {
        var ledger = new BudgetLedger(1_000, 1_200, 0);

        Assert.That(ledger.Headroom, Is.Zero);
        Assert.That(TokenBudget.TryReserve(ledger, Roomy, 0, 10, 1).Granted, Is.False);
    }

    [Test]
    public void TryReserve_NegativePromptOrZeroOutput_Throws()
    {
        Assert.That(() => TokenBudget.TryReserve(Roomy, Roomy, -1, 100, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => TokenBudget.TryReserve(Roomy, Roomy, 1, 0, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => TokenBudget.TryReserve(Roomy, Roomy, 1, 100, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Settle_ProviderReportsLessThanReserved_ChargesWhatWasReported()
    {
        var reservation = TokenBudget.TryReserve(Roomy, Roomy, 1_000, 2_000, 100);

        var charged = TokenBudget.Settle(reservation, 950, 420);

        Assert.That(charged, Is.EqualTo(new SettledUsage(950, 420, 0)));
        Assert.That(charged.Total, Is.EqualTo(1_370));
    }

    [Test]
    public void Settle_ProviderReportsMoreThanReserved_ClampsToReservationAndReportsOverrun()
    {
        var reservation = TokenBudget.TryReserve(Roomy, Roomy, 1_000, 2_000, 100);

        var charged = TokenBudget.Settle(reservation, 1_200, 2_300);

        Assert.Multiple(() =>
        {
            Assert.That(charged.Total, Is.EqualTo(reservation.ReservedTokens));
            Assert.That(charged.PromptTokens, Is.EqualTo(1_200));
            Assert.That(charged.CompletionTokens, Is.EqualTo(1_800));
            Assert.That(charged.OverrunTokens, Is.EqualTo(500));
        });
    }

    [Test]
    public void Settle_ReportedPromptAloneAboveReservation_ChargesOnlyTheReservation()
    {
        var reservation = TokenBudget.TryReserve(Roomy, Roomy, 100, 200, 10);

        var charged = TokenBudget.Settle(reservation, 1_000, 50);

        Assert.That(charged, Is.EqualTo(new SettledUsage(300, 0, 750)));
    }

    [Test]
    public void Settle_ShrunkReservation_ClampsToTheShrunkAmount()
    {
        var reservation = TokenBudget.TryReserve(new BudgetLedger(1_500, 0, 0), Roomy, 1_000, 4_000, 100);
        Assume.That(reservation.ReservedTokens, Is.EqualTo(1_500));

        var charged = TokenBudget.Settle(reservation, 1_000, 4_000);

        Assert.That(charged.Total, Is.EqualTo(1_500));
        Assert.That(charged.OverrunTokens, Is.EqualTo(3_500));
    }

    [Test]
    public void Settle_RefusedReservation_Throws()
    {
        var refused = TokenBudget.TryReserve(new BudgetLedger(10, 0, 0), Roomy, 100, 100, 10);
        Assume.That(refused.Granted, Is.False);

        Assert.That(() => TokenBudget.Settle(refused, 1, 1), Throws.InvalidOperationException);
    }

    [Test]
    public void Settle_NegativeReportedUsage_Throws()
    {
        var reservation = TokenBudget.TryReserve(Roomy, Roomy, 100, 200, 10);

        Assert.That(() => TokenBudget.Settle(reservation, -1, 10), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => TokenBudget.Settle(reservation, 10, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [TestCase(1_000, 0, 799, false)]
    [TestCase(1_000, 0, 800, true)]
    [TestCase(1_000, 799, 800, true)]
    [TestCase(1_000, 500, 1_000, true)]
    [TestCase(1_000, 800, 900, false)]
    [TestCase(1_000, 850, 1_000, false)]
    [TestCase(10, 7, 8, true)]
    [TestCase(0, 0, 10, false)]
    public void CrossesWarning_Usage_TrueOnlyWhenCrossing80Percent(long cap, long before, long after, bool expected) =>
        Assert.That(TokenBudget.CrossesWarning(cap, before, after), Is.EqualTo(expected));

    [Test]
    public void BudgetLedger_ReserveSettleRelease_KeepsBooks()
    {
        var ledger = new BudgetLedger(1_000, 0, 0).Reserve(300).Reserve(200);
        Assert.That(ledger.Headroom, Is.EqualTo(500));

        ledger = ledger.Settle(300, 120).Release(200);

        Assert.That(ledger, Is.EqualTo(new BudgetLedger(1_000, 120, 0)));
        Assert.That(ledger.UsedFraction, Is.EqualTo(0.12).Within(1e-9));
        Assert.That(() => ledger.Reserve(10).Settle(10, 11), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void TryReserve_PhaseAndRunExhaustedTogether_RefusalNamesTheRun()
    {
        // Equal headroom: the run is at its cap, which the SPEC stops as BUDGET_EXCEEDED, not a phase failure.
        var decision = TokenBudget.TryReserve(new BudgetLedger(1000, 900, 0), new BudgetLedger(1000, 900, 0), 90, 100, 50);

        Assert.That(decision.Granted, Is.False);
        Assert.That(decision.LimitingScope, Is.EqualTo(BudgetScope.Run));
    }
}
