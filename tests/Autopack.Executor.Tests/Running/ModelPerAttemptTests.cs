using System.Text.Json.Nodes;
using Autopack.Domain.Plans;
using Autopack.Executor.Tests.Support;
using Autopack.Llm;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Running;

/// <summary>
/// A phase's <c>models</c>: attempt N asks for the Nth model, later attempts for the last, for every call of the attempt
/// (builder turns or the external agent's requests, and the auditor), and each usage row records it. The auditor
/// rejects the first attempts so that several run; the provider stand-in on loopback answers as the model asked for.
/// </summary>
public sealed class ModelPerAttemptTests
{
    [Test]
    public async Task Execute_BuiltInBuilderWithModels_EachAttemptAsksForItsModelAndUsageRowsRecordIt()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        var reviews = 0;
        standIn.Answer = body => StandInAgent.IsAuditor(body)
            ? (Interlocked.Increment(ref reviews) <= 2 ? "REJECTED: not yet" : "APPROVED")
            : "the change is made";
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("models-in")
            .Phase("models-in-a", provider: "openai", maxAttempts: 3, models: ["m-small", "m-large"])
            .Phase("models-in-b", provider: "openai")
            .Build());

        var outcome = await s.ExecuteInProcessAsync(runId, settings: s.SettingsOn(standIn));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.Multiple(() =>
        {
            Assert.That(Rows(s, "models-in-a"), Is.EqualTo(new[]
            {
                "builder m-small", "auditor m-small",
                "builder m-large", "auditor m-large",
                "builder m-large", "auditor m-large",
            }), "attempt 1 the first model, attempts 2 and 3 the last");
            Assert.That(Rows(s, "models-in-b"), Is.EqualTo(new[] { "builder gpt-configured", "auditor gpt-configured" }), "no models: the provider's configured one");
            Assert.That(standIn.Received.Select(r => r.Body["model"]!.GetValue<string>()), Is.EqualTo(new[]
            {
                "m-small", "m-small", "m-large", "m-large", "m-large", "m-large", "gpt-configured", "gpt-configured",
            }), "what the provider was asked for, call by call");
            Assert.That(s.Text("SELECT attempts FROM phases WHERE phase_id = 'models-in-a'"), Is.EqualTo("3"));
        });
    }

    [Test]
    public async Task Execute_OfflineBuilderWithModels_UsageRowsRecordTheModelOfEachAttempt()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("models-off").Phase("models-off-a", offlineRejections: 1, models: ["rehearsal-a", "rehearsal-b"]).Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(Rows(s, "models-off-a"), Is.EqualTo(new[] { "builder rehearsal-a", "auditor rehearsal-a", "builder rehearsal-b", "auditor rehearsal-b" }));
    }

    [Test]
    public async Task Execute_ExternalBuilderWithModels_TheEndpointForwardsEachAttemptsModelAndUsageRowsRecordIt()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        var reviews = 0;
        standIn.Answer = body => StandInAgent.IsAuditor(body) ? (Interlocked.Increment(ref reviews) == 1 ? "REJECTED: add a test" : "APPROVED") : null;
        using var evidence = new TempDirectory("agent-models");
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("models-xb")
            .Phase("models-xb-a", cap: 100_000, provider: "openai", maxAttempts: 2, models: ["agent-small", "agent-large"],
                builder: new BuilderPlan(StandInAgent.Command(evidence.Path, maxCalls: 2)))
            .Build());

        var outcome = await s.ExecuteInProcessAsync(runId, settings: s.SettingsOn(standIn));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var environment = JsonNode.Parse(await File.ReadAllTextAsync(evidence.Combine("env.json")))!.AsObject();
        var phaseFolder = Path.Combine(s.RunsDirectory, runId, "phases", "models-xb-a");
        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(Rows(s, "models-xb-a"), Is.EqualTo(new[]
            {
                "builder agent-small", "builder agent-small", "auditor agent-small",
                "builder agent-large", "builder agent-large", "auditor agent-large",
            }), "the agent asked for 'whatever'; the endpoint forwarded the attempt's model");
            Assert.That(standIn.Received.Select(r => r.Body["model"]!.GetValue<string>()), Is.EqualTo(new[]
            {
                "agent-small", "agent-small", "agent-small", "agent-large", "agent-large", "agent-large",
            }));
            Assert.That(environment["AUTOPACK_MODEL"]!.GetValue<string>(), Is.EqualTo("agent-large"), "the last attempt's agent was told its model");
            Assert.That(File.ReadAllText(Path.Combine(phaseFolder, "attempt-2.prompt.md")), Does.Contain("Attempt: 2").And.Contain("REJECTED: add a test"),
                "the second attempt's prompt file carries the rejection");
        });
    }

    /// <summary>Role and model of a phase's usage rows, in the order they were written.</summary>
    private static List<string> Rows(ExecutorScenario s, string phaseId)
    {
        using var connection = s.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT role, model FROM llm_usage_events WHERE phase_id = '{phaseId}' ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetString(1)}");
        }

        return rows;
    }
}
