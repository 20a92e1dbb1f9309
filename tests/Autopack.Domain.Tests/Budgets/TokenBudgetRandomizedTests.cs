using Autopack.Domain.Budgets;

namespace Autopack.Domain.Tests.Budgets;

/// <summary>
/// Drives the budget maths through thousands of random call sequences (reserve, settle with a provider that
/// reports more or fewer tokens than reserved, release) over several phases of one run, and checks the hard-cap
/// promise after every step.
/// </summary>
public class TokenBudgetRandomizedTests
{
    private const int Seed = 20_261_125;
    private const int Sequences = 6_000;

    [Test]
    public void ReserveSettleRelease_RandomSequences_UsedNeverExceedsAnyCapAndReservationsReturnToZero()
    {
        var random = new Random(Seed);
        var stats = new Stats();
        for (var sequence = 0; sequence < Sequences; sequence++)
        {
            RunSequence(random, sequence, stats);
        }

        // The sequences must actually have pushed against the caps, or the invariants above proved nothing.
        Assert.Multiple(() =>
        {
            Assert.That(stats.Granted, Is.GreaterThan(10_000), $"seed {Seed}");
            Assert.That(stats.ShrunkOnPhase, Is.GreaterThan(100), $"seed {Seed}: grants shrunk to the phase headroom");
            Assert.That(stats.ShrunkOnRun, Is.GreaterThan(100), $"seed {Seed}: grants shrunk to the run headroom");
            Assert.That(stats.RefusedOnPhase, Is.GreaterThan(100), $"seed {Seed}: refusals naming the phase");
            Assert.That(stats.RefusedOnRun, Is.GreaterThan(100), $"seed {Seed}: refusals naming the run");
            Assert.That(stats.OverReported, Is.GreaterThan(1_000), $"seed {Seed}: settlements where the provider reported more than reserved");
            Assert.That(stats.RunsFilledTo95Percent, Is.GreaterThan(Sequences / 10), $"seed {Seed}: runs used to at least 95% of their cap");
        });
    }

    private static void RunSequence(Random random, int sequence, Stats stats)
    {
        var where = $"seed {Seed}, sequence {sequence}";
        var run = new BudgetLedger(random.NextInt64(2_000, 60_000), 0, 0);
        var phases = Enumerable.Range(0, random.Next(2, 6))
            .Select(_ => new BudgetLedger(random.NextInt64(500, 30_000), 0, 0))
            .ToArray();
        var inFlight = new List<(int Phase, ReservationDecision Decision)>();
        var steps = random.Next(20, 80);

        for (var step = 0; step < steps; step++)
        {
            var op = random.Next(10);
            if (op < 5 || inFlight.Count == 0)
            {
                var p = random.Next(phases.Length);
                var prompt = random.NextInt64(0, 3_000);
                var maxOutput = random.NextInt64(1, 5_000);
                var minUseful = random.NextInt64(1, 400);
                var decision = TokenBudget.TryReserve(phases[p], run, prompt, maxOutput, minUseful);
                if (decision.Granted)
                {
                    stats.Granted++;
                    if (decision.PromptTokens != prompt || decision.MaxOutputTokens < Math.Min(minUseful, maxOutput) || decision.MaxOutputTokens > maxOutput)
                    {
                        Assert.Fail($"{where}, step {step}: grant {decision} does not match the ask (prompt {prompt}, output {maxOutput}, min {minUseful})");
                    }

                    if (decision.Shrunk && decision.LimitingScope == BudgetScope.Phase)
                    {
                        stats.ShrunkOnPhase++;
                    }
                    else if (decision.Shrunk)
                    {
                        stats.ShrunkOnRun++;
                    }

                    phases[p] = phases[p].Reserve(decision.ReservedTokens);
                    run = run.Reserve(decision.ReservedTokens);
                    inFlight.Add((p, decision));
                }
                else
                {
                    if (decision.LimitingScope == BudgetScope.Phase)
                    {
                        stats.RefusedOnPhase++;
                    }
                    else
                    {
                        stats.RefusedOnRun++;
                    }

                    var headroom = Math.Min(phases[p].Headroom, run.Headroom);
                    if (headroom - prompt >= Math.Min(minUseful, maxOutput))
                    {
                        Assert.Fail($"{where}, step {step}: refused although the call fitted ({headroom} free, prompt {prompt}, min output {minUseful})");
                    }
                }
            }
            else if (op < 9)
            {
                Settle(random, inFlight, phases, ref run, stats);
            }
            else
            {
                Release(random, inFlight, phases, ref run);
            }

            CheckInvariants(phases, run, $"{where}, step {step}");
        }

        // The executor settles or releases every call it started.
        while (inFlight.Count > 0)
        {
            if (random.Next(2) == 0)
            {
                Settle(random, inFlight, phases, ref run, stats);
            }
            else
            {
                Release(random, inFlight, phases, ref run);
            }

            CheckInvariants(phases, run, $"{where}, draining");
        }

        Assert.That(run.Reserved, Is.Zero, $"{where}: run reservations left over");
        Assert.That(phases.Select(p => p.Reserved), Is.All.Zero, $"{where}: phase reservations left over");
        if (run.Used >= run.Cap * 0.95)
        {
            stats.RunsFilledTo95Percent++;
        }
    }

    private static void Settle(Random random, List<(int Phase, ReservationDecision Decision)> inFlight, BudgetLedger[] phases, ref BudgetLedger run, Stats stats)
    {
        var index = random.Next(inFlight.Count);
        var (p, decision) = inFlight[index];
        inFlight.RemoveAt(index);

        // Providers count with their own tokenizers: anything from far below to well above the reservation.
        var reportedPrompt = Math.Max(0, decision.PromptTokens + random.NextInt64(-decision.PromptTokens, decision.PromptTokens / 2 + 50));
        var reportedCompletion = random.NextInt64(0, (decision.MaxOutputTokens * 3 / 2) + 2);
        var charged = TokenBudget.Settle(decision, reportedPrompt, reportedCompletion);
        var reported = reportedPrompt + reportedCompletion;
        var expected = reported > decision.ReservedTokens
            ? (Total: decision.ReservedTokens, Overrun: reported - decision.ReservedTokens)
            : (Total: reported, Overrun: 0L);
        if (reported > decision.ReservedTokens)
        {
            stats.OverReported++;
        }

        if (charged.Total != expected.Total || charged.OverrunTokens != expected.Overrun || charged.PromptTokens < 0 || charged.CompletionTokens < 0
            || (expected.Overrun == 0 && (charged.PromptTokens != reportedPrompt || charged.CompletionTokens != reportedCompletion)))
        {
            Assert.Fail($"seed {Seed}: settling {decision} with {reportedPrompt}+{reportedCompletion} charged {charged}");
        }
        phases[p] = phases[p].Settle(decision.ReservedTokens, charged.Total);
        run = run.Settle(decision.ReservedTokens, charged.Total);
    }

    private static void Release(Random random, List<(int Phase, ReservationDecision Decision)> inFlight, BudgetLedger[] phases, ref BudgetLedger run)
    {
        var index = random.Next(inFlight.Count);
        var (p, decision) = inFlight[index];
        inFlight.RemoveAt(index);
        phases[p] = phases[p].Release(decision.ReservedTokens);
        run = run.Release(decision.ReservedTokens);
    }

    private static void CheckInvariants(BudgetLedger[] phases, BudgetLedger run, string where)
    {
        for (var i = 0; i < phases.Length; i++)
        {
            var phase = phases[i];
            if (phase.Used > phase.Cap || phase.Used + phase.Reserved > phase.Cap || phase.Reserved < 0)
            {
                Assert.Fail($"{where}: phase {i} ledger {phase} breaks its cap");
            }
        }

        if (run.Used > run.Cap || run.Used + run.Reserved > run.Cap || run.Reserved < 0)
        {
            Assert.Fail($"{where}: run ledger {run} breaks its cap");
        }

        if (phases.Sum(p => p.Used) != run.Used || phases.Sum(p => p.Reserved) != run.Reserved)
        {
            Assert.Fail($"{where}: phase ledgers do not add up to the run ledger");
        }
    }

    private sealed class Stats
    {
        public int Granted { get; set; }

        public int ShrunkOnPhase { get; set; }

        public int ShrunkOnRun { get; set; }

        public int RefusedOnPhase { get; set; }

        public int RefusedOnRun { get; set; }

        public int OverReported { get; set; }

        public int RunsFilledTo95Percent { get; set; }
    }
}
