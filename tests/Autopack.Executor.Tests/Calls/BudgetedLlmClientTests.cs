using Autopack.Domain.Budgets;
using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Llm.Providers;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Calls;

/// <summary>Reserve, call, settle or release, against a real migrated database.</summary>
public sealed class BudgetedLlmClientTests
{
    private const string System = "You are the builder.";
    private const string User = "Create the project skeleton with a health endpoint.";

    private BudgetScenario scenario = null!;

    [SetUp]
    public void CreateScenario() => scenario = new BudgetScenario(maxOutputTokens: 200, minOutputTokens: 20);

    [TearDown]
    public async Task DisposeScenario() => await scenario.DisposeAsync();

    private long Prompt => scenario.Counter.CountPrompt(System, User);

    [Test]
    public async Task CallAsync_GrantedCall_WritesOneUsageRowWithProviderModelRoleAndPhaseName()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var offline = new OfflineProvider(scenario.Counter, TimeSpan.Zero, TimeProvider.System);
        var client = scenario.Client(offline);

        var result = await client.CallAsync(new CallTarget("r1", "p1", "scaffold", "offline", "owner-1"), "builder", System, User, false, CancellationToken.None);

        using var connection = scenario.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at FROM llm_usage_events";
        using var reader = command.ExecuteReader();
        Assert.That(reader.Read(), Is.True, "a usage row should be written");
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetInt64(0), Is.EqualTo(result.Settlement.UsageEventId));
            Assert.That(reader.GetString(1), Is.EqualTo("r1"));
            Assert.That(reader.GetString(2), Is.EqualTo("p1"));
            Assert.That(reader.GetString(3), Is.EqualTo("scaffold"));
            Assert.That(reader.GetString(4), Is.EqualTo("offline"));
            Assert.That(reader.GetString(5), Is.EqualTo("offline-deterministic-1"));
            Assert.That(reader.GetString(6), Is.EqualTo("builder"));
            Assert.That(reader.GetInt64(7), Is.EqualTo(Prompt));
            Assert.That(reader.GetInt64(8), Is.EqualTo(scenario.Counter.Count(result.Text)).And.GreaterThan(0));
            Assert.That(reader.GetString(9), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
            Assert.That(reader.Read(), Is.False, "exactly one row per call");
            Assert.That(scenario.Reservations, Is.Zero);
            Assert.That(result.OutputShrunk, Is.False);
        });
    }

    [Test]
    public async Task CallAsync_TwoCallsWithDifferentRoles_WriteOneRowEach()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var client = scenario.Client(new OfflineProvider(scenario.Counter, TimeSpan.Zero, TimeProvider.System));
        var target = new CallTarget("r1", "p1", "p1", "offline", "owner-1");

        await client.CallAsync(target, "builder", System, User, false, CancellationToken.None);
        await client.CallAsync(target, "auditor", "You review.", "the output", false, CancellationToken.None);

        Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'builder'"), Is.EqualTo(1));
        Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'auditor'"), Is.EqualTo(1));
    }

    [Test]
    public async Task CallAsync_DuringTheCall_HoldsAReservationOfPromptPlusMaxOutput()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        long heldDuringCall = -1;
        var provider = new ScriptedLlmProvider((_, _) =>
        {
            heldDuringCall = scenario.Db.Scalar("SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE run_id = 'r1' AND phase_id = 'p1'");
            return Task.FromResult(LlmResponse.FromText("ok", 10, 10, "m"));
        });

        await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(heldDuringCall, Is.EqualTo(Prompt + scenario.Settings.MaxOutputTokens));
            Assert.That(provider.Requests.Single().MaxOutputTokens, Is.EqualTo(scenario.Settings.MaxOutputTokens));
            Assert.That(scenario.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_PhaseHeadroomBelowMaxOutput_ShrinksMaxOutputToTheHeadroom()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: Prompt + 75).Build());
        var provider = ScriptedLlmProvider.Reporting(r => (Prompt, r.MaxOutputTokens));

        var result = await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.OutputShrunk, Is.True);
            Assert.That(provider.Requests.Single().MaxOutputTokens, Is.EqualTo(75));
            Assert.That(scenario.UsedByPhase("p1"), Is.EqualTo(Prompt + 75));
        });
    }

    [Test]
    public async Task CallAsync_RunHeadroomBelowMaxOutput_ShrinksToTheRunsHeadroom()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: Prompt + 60).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(r => (Prompt, r.MaxOutputTokens));

        var result = await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.OutputShrunk, Is.True);
            Assert.That(provider.Requests.Single().MaxOutputTokens, Is.EqualTo(60));
        });
    }

    [Test]
    public async Task CallAsync_PhaseHasLessThanMinOutputLeft_RefusedWithPhaseScopeWithoutCallingTheProvider()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: Prompt + 19).Build());
        var provider = ScriptedLlmProvider.Reporting(1, 1);

        var ex = Assert.ThrowsAsync<BudgetRefusedException>(() =>
            scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Scope, Is.EqualTo(BudgetScope.Phase));
            Assert.That(ex.Message, Does.Contain("phase budget exhausted"));
            Assert.That(provider.Requests, Is.Empty);
            Assert.That(scenario.UsageRows, Is.Zero);
            Assert.That(scenario.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_RunSpentByAnotherPhase_RefusedWithRunScope()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 1_000).Phase("p1", cap: 50_000).Phase("p2", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(r => (Prompt, r.MaxOutputTokens));
        var client = scenario.Client(provider);

        var calls = 0;
        while (calls < 20)
        {
            try
            {
                await client.CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);
                calls++;
            }
            catch (BudgetRefusedException)
            {
                break;
            }
        }

        var ex = Assert.ThrowsAsync<BudgetRefusedException>(() =>
            client.CallAsync(new CallTarget("r1", "p2", "p2", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.GreaterThan(1));
            Assert.That(ex!.Scope, Is.EqualTo(BudgetScope.Run));
            Assert.That(ex.Message, Does.Contain("run budget exhausted"));
            Assert.That(scenario.UsedByRun("r1"), Is.LessThanOrEqualTo(1_000).And.GreaterThan(1_000 - Prompt - scenario.Settings.MinOutputTokens));
            Assert.That(scenario.UsedByPhase("p2"), Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_ProviderFails_ReleasesTheReservationAndWritesNoUsage()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Failing(new ProviderException("scripted", ProviderErrorKind.ClientError, "HTTP 401: bad key", 401));

        var ex = Assert.ThrowsAsync<ProviderException>(() =>
            scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.ClientError));
            Assert.That(scenario.Reservations, Is.Zero);
            Assert.That(scenario.UsageRows, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_TransientFailuresExhaustRetries_ReleasesTheReservation()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Failing(new ProviderException("scripted", ProviderErrorKind.ServerError, "HTTP 503", 503));

        Assert.ThrowsAsync<ProviderException>(() =>
            scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(provider.Requests, Has.Count.EqualTo(1 + BudgetScenario.FastResilience.MaxRetryAttempts));
            Assert.That(scenario.Reservations, Is.Zero);
            Assert.That(scenario.UsageRows, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_BreakerOpen_ReleasesTheReservation()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Failing(new ProviderException("scripted", ProviderErrorKind.ServerError, "HTTP 500", 500));
        var client = scenario.Client(provider);
        var target = new CallTarget("r1", "p1", "p1", provider.Name, "owner-1");
        for (var i = 0; i < BudgetScenario.FastResilience.MinimumThroughput / (1 + BudgetScenario.FastResilience.MaxRetryAttempts); i++)
        {
            Assert.ThrowsAsync<ProviderException>(() => client.CallAsync(target, "builder", System, User, false, CancellationToken.None));
        }

        Assert.ThrowsAsync<ProviderUnavailableException>(() => client.CallAsync(target, "builder", System, User, false, CancellationToken.None));

        Assert.That(scenario.Reservations, Is.Zero);
    }

    [Test]
    public async Task CallAsync_CancelledWhileTheProviderWorks_ReleasesTheReservation()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var provider = new ScriptedLlmProvider(async (_, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var cts = new CancellationTokenSource();

        var call = scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, cts.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var heldDuringCall = scenario.Reservations;
        await cts.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        Assert.Multiple(() =>
        {
            Assert.That(heldDuringCall, Is.EqualTo(1));
            Assert.That(scenario.Reservations, Is.Zero);
            Assert.That(scenario.UsageRows, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_ProviderReportsMoreThanReserved_ChargesTheReservationAndRecordsAnOverrun()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(r => (Prompt + 40, r.MaxOutputTokens + 100));

        var result = await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);

        var reserved = Prompt + scenario.Settings.MaxOutputTokens;
        Assert.Multiple(() =>
        {
            Assert.That(result.Settlement.Charged.Total, Is.EqualTo(reserved));
            Assert.That(result.Settlement.Charged.OverrunTokens, Is.EqualTo(140));
            Assert.That(scenario.UsedByPhase("p1"), Is.EqualTo(reserved));
            Assert.That(scenario.Events("budget_overrun", "p1"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task CallAsync_ProviderReportsLessThanReserved_ChargesWhatWasReported()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(12, 34);

        await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(scenario.Db.Scalar("SELECT prompt_tokens FROM llm_usage_events"), Is.EqualTo(12));
            Assert.That(scenario.Db.Scalar("SELECT completion_tokens FROM llm_usage_events"), Is.EqualTo(34));
            Assert.That(scenario.Events("budget_overrun"), Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_PhaseUsageCrosses80Percent_RecordsOneWarningEventOnTheCallThatCrossesIt()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 1_000_000).Phase("p1", cap: 1_000).Build());
        var provider = ScriptedLlmProvider.Reporting(100, 100);
        var client = scenario.Client(provider);
        var target = new CallTarget("r1", "p1", "p1", provider.Name, "owner-1");

        var crossed = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            var result = await client.CallAsync(target, "builder", System, User, false, CancellationToken.None);
            crossed.Add(result.Settlement.PhaseWarningCrossed);
        }

        Assert.Multiple(() =>
        {
            Assert.That(crossed, Is.EqualTo(new[] { false, false, false, true }), "800 of 1000 is reached by the fourth call");
            Assert.That(scenario.Events("budget_warning", "p1"), Is.EqualTo(1));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_warning' AND message LIKE '%800 of 1000%'"), Is.EqualTo(1));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id IS NULL"), Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_RunUsageCrosses80Percent_RecordsOneRunWarningEvent()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 1_000).Phase("p1", cap: 50_000).Phase("p2", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(100, 100);
        var client = scenario.Client(provider);

        var crossed = new List<bool>();
        foreach (var phase in new[] { "p1", "p2", "p1", "p2" })
        {
            var result = await client.CallAsync(new CallTarget("r1", phase, phase, provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None);
            crossed.Add(result.Settlement.RunWarningCrossed);
        }

        Assert.Multiple(() =>
        {
            Assert.That(crossed, Is.EqualTo(new[] { false, false, false, true }), "800 of the run's 1000 is reached by the fourth call");
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id IS NULL AND run_id = 'r1'"), Is.EqualTo(1));
            Assert.That(scenario.Events("budget_warning"), Is.EqualTo(1), "neither phase is near its own cap");
        });
    }
}
