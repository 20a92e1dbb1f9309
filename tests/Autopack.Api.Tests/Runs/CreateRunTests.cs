using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

public sealed class CreateRunTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public void StartApi() => api = new ApiHarness();

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task PostRuns_DemoPlan_Returns201WithLocationAndStoresTheRun()
    {
        var sample = System.IO.Path.Combine(api.Db.FolderPath, "sample-service");
        await Autopack.Cli.Commands.SampleRepository.CreateAsync(sample, new Autopack.Workspace.Processes.CommandRunner(), CancellationToken.None);
        var head = GitRepository.Run(sample, "rev-parse", "HEAD").Trim();
        var plan = (await File.ReadAllTextAsync(RepositoryRoot.Combine("examples", "demo-plan.json")))
            .Replace("demo-1", "create-demo", StringComparison.Ordinal)
            .Replace("\"repository\": \"sample-service\"", $"\"repository\": \"{sample}\"", StringComparison.Ordinal);

        using var response = await api.PostPlanAsync(plan);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/runs/create-demo"));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("run_id").GetString(), Is.EqualTo("create-demo"));
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("QUEUED"));
            Assert.That(body.GetProperty("token_cap").GetInt64(), Is.EqualTo(200_000));
            Assert.That(body.GetProperty("phases_total").GetInt32(), Is.EqualTo(3));
            Assert.That(body.GetProperty("tiers").GetArrayLength(), Is.EqualTo(2));
            Assert.That(body.GetProperty("tiers")[0].GetProperty("phases")[0].GetProperty("phase_id").GetString(), Is.EqualTo("create-demo-p1"));
            Assert.That(body.GetProperty("tiers")[0].GetProperty("phases")[0].GetProperty("scope")[0].GetString(), Is.EqualTo("service.sh"));
            Assert.That(body.GetProperty("tiers")[0].GetProperty("phases")[0].GetProperty("max_turns").GetInt32(), Is.EqualTo(30));
            Assert.That(body.GetProperty("repository").GetString(), Is.EqualTo(sample));
            Assert.That(body.GetProperty("base_commit").GetString(), Is.EqualTo(head), "the base is resolved when the run is created");
            Assert.That(body.GetProperty("branch").GetString(), Is.EqualTo("autopack/create-demo"));
            Assert.That(body.GetProperty("commits").GetArrayLength(), Is.Zero);
            Assert.That(api.Db.Scalar("SELECT count(*) FROM phases WHERE run_id = 'create-demo'"), Is.EqualTo(3));
        });

        var read = await api.GetJsonAsync("/runs/create-demo");
        Assert.That(read.GetProperty("goal").GetString(), Is.EqualTo("Add a health endpoint to the sample service"));
    }

    [Test]
    public async Task PostRuns_WithoutIdsOrCaps_GeneratesIdsAndAppliesDefaultCaps()
    {
        using var response = await api.PostPlanAsync("""
            {"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "category": "research"}]}]}
            """);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var body = await ApiHarness.ReadJsonAsync(response);
        var runId = body.GetProperty("run_id").GetString()!;
        var phase = body.GetProperty("tiers")[0].GetProperty("phases")[0];
        Assert.Multiple(() =>
        {
            Assert.That(runId, Does.StartWith("run-"));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/runs/{runId}"));
            Assert.That(body.GetProperty("token_cap").GetInt64(), Is.EqualTo(5_000_000));
            Assert.That(phase.GetProperty("token_cap").GetInt64(), Is.EqualTo(750_000), "research multiplier 1.5 on the 500k default");
            Assert.That(phase.GetProperty("phase_id").GetString(), Is.EqualTo($"{runId}-p1"));
        });
    }

    [Test]
    public async Task GetRun_PhaseWithExternalBuilderAndModels_ShowsThem()
    {
        using (var created = await api.PostPlanAsync("""
            {"run_id": "xb-show", "goal": "g", "tiers": [{"name": "t", "phases": [
              {"phase_id": "xb-show-a", "phase_name": "agent", "provider": "openai", "builder": {"command": "python3 agent.py", "timeout_seconds": 300}, "models": ["small", "large"]},
              {"phase_id": "xb-show-b", "phase_name": "claude", "provider": "anthropic", "builder": {"command": "claude -p hi"}},
              {"phase_id": "xb-show-c", "phase_name": "built-in"}]}]}
            """))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        }

        var phases = (await api.GetJsonAsync("/runs/xb-show")).GetProperty("tiers")[0].GetProperty("phases");

        Assert.Multiple(() =>
        {
            Assert.That(phases[0].GetProperty("builder").GetProperty("command").GetString(), Is.EqualTo("python3 agent.py"));
            Assert.That(phases[0].GetProperty("builder").GetProperty("timeout_seconds").GetInt32(), Is.EqualTo(300));
            Assert.That(phases[0].GetProperty("models").EnumerateArray().Select(m => m.GetString()), Is.EqualTo(new[] { "small", "large" }));
            Assert.That(phases[1].GetProperty("builder").GetProperty("timeout_seconds").GetInt32(), Is.EqualTo(Autopack.Domain.Plans.BuilderPlan.DefaultTimeoutSeconds), "the default it runs under");
            Assert.That(phases[2].TryGetProperty("builder", out var none) ? none.ValueKind : System.Text.Json.JsonValueKind.Null, Is.EqualTo(System.Text.Json.JsonValueKind.Null), "the built-in builder");
            Assert.That(phases[2].TryGetProperty("models", out var noModels) ? noModels.ValueKind : System.Text.Json.JsonValueKind.Null, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        });
    }

    [Test]
    public async Task PostRuns_DuplicateRunId_Returns409NamingRunIdAndWritesNothing()
    {
        var plan = """{"run_id": "dup-1", "goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""";
        using (var first = await api.PostPlanAsync(plan))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        var before = RowCounts.Of(api.Db);
        using var second = await api.PostPlanAsync(plan);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ApiHarness.ReadProblemAsync(second);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("run_id"));
            Assert.That(problem.GetProperty("errors").TryGetProperty("run_id", out _), Is.True);
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task PostRuns_PhaseIdTakenByAnotherRun_Returns409NamingPhaseId()
    {
        using (var first = await api.PostPlanAsync("""{"run_id": "owner-run", "goal": "g", "tiers": [{"name": "t", "phases": [{"phase_id": "shared-p", "phase_name": "p"}]}]}"""))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        var before = RowCounts.Of(api.Db);
        using var second = await api.PostPlanAsync("""{"run_id": "other-run", "goal": "g", "tiers": [{"name": "t", "phases": [{"phase_id": "shared-p", "phase_name": "p"}]}]}""");

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ApiHarness.ReadProblemAsync(second);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("phase_id"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before), "no half-written run");
        });
    }
}
