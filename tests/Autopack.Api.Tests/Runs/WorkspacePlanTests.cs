using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

/// <summary>POST /runs checks the plan's workspace with git before anything is stored.</summary>
public sealed class WorkspacePlanTests
{
    private ApiHarness api = null!;
    private TempDirectory folder = null!;
    private GitRepository repo = null!;

    [OneTimeSetUp]
    public void Start()
    {
        api = new ApiHarness();
        folder = new TempDirectory("autopack-ws");
        repo = GitRepository.Create(folder.Combine("repo"), new Dictionary<string, string> { ["a.txt"] = "a\n" });
        repo.Git("tag", "v1");
        Directory.CreateDirectory(folder.Combine("plain"));
    }

    [OneTimeTearDown]
    public void Stop()
    {
        api.Dispose();
        folder.Dispose();
    }

    private static string Plan(string runId, string workspace) =>
        $$"""{ "run_id": "{{runId}}", "goal": "g", "workspace": {{workspace}}, "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""";

    private static string Json(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    private static IEnumerable<TestCaseData> Refusals()
    {
        yield return new TestCaseData("missing", $$"""{ "repository": {{Json("/nonexistent/autopack-repo")}} }""", "workspace.repository").SetName("PostRuns_MissingRepository_400NamingRepository");
        yield return new TestCaseData("plain", "PLAIN", "workspace.repository").SetName("PostRuns_FolderNotARepository_400NamingRepository");
        yield return new TestCaseData("badbase", "BADBASE", "workspace.base").SetName("PostRuns_BaseThatDoesNotResolve_400NamingBase");
        yield return new TestCaseData("baseonly", """{ "base": "main" }""", "workspace.base").SetName("PostRuns_BaseWithoutRepository_400NamingBase");
    }

    [TestCaseSource(nameof(Refusals))]
    public async Task PostRuns_BadWorkspace_400NamingTheFieldAndNothingStored(string runId, string workspace, string field)
    {
        workspace = workspace switch
        {
            "PLAIN" => $$"""{ "repository": {{Json(folder.Combine("plain"))}} }""",
            "BADBASE" => $$"""{ "repository": {{Json(repo.Path)}}, "base": "no-such-branch" }""",
            _ => workspace,
        };
        var before = api.Db.Scalar("SELECT count(*) FROM runs");

        using var response = await api.PostPlanAsync(Plan(runId, workspace));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith(field));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM runs"), Is.EqualTo(before), "nothing stored");
        });
    }

    [Test]
    public async Task PostRuns_RepositoryWithTagBase_StoresTheResolvedCommit()
    {
        using var response = await api.PostPlanAsync(Plan("tagged", $$"""{ "repository": {{Json(repo.Path)}}, "base": "v1" }"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.That(body.GetProperty("base_commit").GetString(), Is.EqualTo(repo.Head()));
        Assert.That(body.GetProperty("repository").GetString(), Is.EqualTo(repo.Path));
    }
}
