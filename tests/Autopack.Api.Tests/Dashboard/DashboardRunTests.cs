using System.Net;
using System.Text;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Runs;
using Autopack.Storage.Events;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Testing;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>GET /dashboard/api/runs/{run_id} and its events: what the run page shows.</summary>
public sealed class DashboardRunTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithARun()
    {
        api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("page-1", runCap: 10_000)
            .Tier("build").Phase("page-1-a", cap: 2000).Phase("page-1-b")
            .Tier("check").Phase("page-1-c", category: "audit")
            .Build());
        var writer = api.Service<RunStateWriter>();
        await writer.TransitionRunAsync("page-1", RunStatus.Executing);
        await writer.TransitionPhaseAsync("page-1-a", PhaseStatus.Executing);
        Rows.InsertUsage(api.Db, "page-1", "page-1-a", 1200, 500);
        Rows.InsertLease(api.Db, "page-1", TimeSpan.FromSeconds(60));
        var events = api.Service<EventLog>();
        for (var i = 0; i < 70; i++)
        {
            await events.AppendAsync("test_event", $"event number {i}", "page-1", "page-1-a");
        }

        await api.Db.CreateRunAsync(new PlanBuilder("page-2").Phase("page-2-a").Build());

        await api.Db.CreateRunAsync(
            new PlanBuilder("page-3").Phase("page-3-a").Phase("page-3-b").Phase("page-3-c").Build(),
            origin: new WorkspaceOrigin("/srv/repos/service", BaseSha));
        Execute($"UPDATE phases SET attempts = 10, commit_sha = '{ShaA}' WHERE phase_id = 'page-3-a'");
        Execute($"UPDATE phases SET attempts = 1, commit_sha = '{ShaB}' WHERE phase_id = 'page-3-b'");
        WriteAttemptFile("page-3", "page-3-a", "attempt-1.diff", HostileDiff);
        WriteAttemptFile("page-3", "page-3-a", "attempt-1.transcript.jsonl", "{\"turn\":1}\n");
        WriteAttemptFile("page-3", "page-3-a", "attempt-1.verify.log", "exit 1\n");
        WriteAttemptFile("page-3", "page-3-a", "attempt-1.auditor.md", "REJECTED: no test\n");
        WriteAttemptFile("page-3", "page-3-a", "attempt-2.auditor.md", "APPROVED\n");
        WriteAttemptFile("page-3", "page-3-a", "attempt-10.diff", "+ten\n");
        WriteAttemptFile("page-3", "page-3-a", "notes.txt", "not an attempt");
        WriteAttemptFile("page-3", "page-3-b", "attempt-1.diff", string.Empty);
    }

    private const string BaseSha = "0123456789abcdef0123456789abcdef01234567";
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string HostileDiff = "diff --git a/x.html b/x.html\n+<script>document.title='pwned'</script>\n+caf\u00e9 \u2713\r\n";

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetRun_ExecutingRun_ShowsTiersPhasesTokensAgainstCapsAndAttempts()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-1");

        var run = view.GetProperty("run");
        var tiers = run.GetProperty("tiers");
        var first = tiers[0].GetProperty("phases")[0];
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("status").GetString(), Is.EqualTo("EXECUTING"));
            Assert.That(run.GetProperty("tokens_used").GetInt64(), Is.EqualTo(1700));
            Assert.That(run.GetProperty("token_cap").GetInt64(), Is.EqualTo(10_000));
            Assert.That(tiers.GetArrayLength(), Is.EqualTo(2));
            Assert.That(tiers[0].GetProperty("name").GetString(), Is.EqualTo("build"));
            Assert.That(tiers[1].GetProperty("phases")[0].GetProperty("phase_id").GetString(), Is.EqualTo("page-1-c"));
            Assert.That(tiers[1].GetProperty("phases")[0].GetProperty("token_cap").GetInt64(), Is.EqualTo(150_000), "audit: 0.3 x 500k");
            Assert.That(first.GetProperty("status").GetString(), Is.EqualTo("EXECUTING"));
            Assert.That(first.GetProperty("attempts").GetInt32(), Is.EqualTo(1));
            Assert.That(first.GetProperty("max_attempts").GetInt32(), Is.EqualTo(3));
            Assert.That(first.GetProperty("tokens_used").GetInt64(), Is.EqualTo(1700));
            Assert.That(first.GetProperty("token_cap").GetInt64(), Is.EqualTo(2000));
            Assert.That(first.GetProperty("started_at").GetString(), Is.Not.Null);
        });
    }

    [Test]
    public async Task GetRun_StaleExecutor_ShowsHeartbeatAgeAndTheRunsAlerts()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-1");

        var executor = view.GetProperty("executor");
        var kinds = view.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(executor.GetProperty("pid").GetInt32(), Is.EqualTo(4242));
            Assert.That(executor.GetProperty("host").GetString(), Is.EqualTo("test-host"));
            Assert.That(executor.GetProperty("heartbeat_age_seconds").GetDouble(), Is.InRange(59, 120));
            Assert.That(executor.GetProperty("stale").GetBoolean(), Is.True);
            Assert.That(kinds, Does.Contain("executor_stale"));
            Assert.That(kinds, Does.Contain("token_usage"), "phase page-1-a is at 85% of its cap");
        });
    }

    [Test]
    public async Task GetRun_AnotherRun_HasNoExecutorAndNotTheOtherRunsAlerts()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-2");

        Assert.Multiple(() =>
        {
            Assert.That(view.GetProperty("executor").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(view.GetProperty("alerts").GetArrayLength(), Is.Zero);
            Assert.That(view.GetProperty("events").GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()), Is.EqualTo(new[] { "run_created" }));
            Assert.That(view.GetProperty("events").GetProperty("more").GetBoolean(), Is.False);
        });
    }

    [Test]
    public async Task GetRun_ManyEvents_NewestFiftyThenOlderPagesByBefore()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-1");
        var newest = view.GetProperty("events");
        var oldestShown = newest.GetProperty("events")[49].GetProperty("id").GetInt64();

        var older = await api.GetJsonAsync($"/dashboard/api/runs/page-1/events?before={oldestShown}&limit=100");

        var olderIds = older.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(newest.GetProperty("events").GetArrayLength(), Is.EqualTo(50));
            Assert.That(newest.GetProperty("more").GetBoolean(), Is.True);
            Assert.That(newest.GetProperty("events")[0].GetProperty("message").GetString(), Is.EqualTo("event number 69"));
            Assert.That(olderIds, Is.Ordered.Descending);
            Assert.That(olderIds, Has.All.LessThan(oldestShown));
            Assert.That(olderIds, Has.Count.EqualTo(73 - 50), "70 test events + run_created + run and phase status changes");
            Assert.That(older.GetProperty("more").GetBoolean(), Is.False);
            Assert.That(older.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("run_id").GetString()), Has.All.EqualTo("page-1"));
        });
    }

    [Test]
    public async Task GetRun_PhasesWithAttemptFiles_ListsThemInOrderWithUrlsServingTheExactBytes()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-3");

        var phases = view.GetProperty("attempts");
        var a = phases[0];
        var files = a.GetProperty("attempts").EnumerateArray()
            .Select(t => (t.GetProperty("attempt").GetInt32(), string.Join(",", t.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("kind").GetString()))))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(phases.EnumerateArray().Select(p => p.GetProperty("phase_id").GetString()), Is.EqualTo(new[] { "page-3-a", "page-3-b" }), "page-3-c left nothing");
            Assert.That(a.GetProperty("phase_name").GetString(), Is.EqualTo("page-3-a"));
            Assert.That(files, Is.EqualTo(new[] { (1, "diff,transcript,verify,auditor"), (2, "auditor"), (10, "diff") }), "numeric order, kinds in their fixed order, notes.txt ignored");
        });

        var diff = a.GetProperty("attempts")[0].GetProperty("files")[0];
        var url = diff.GetProperty("url").GetString()!;
        using var response = await api.Client.GetAsync(new Uri(url, UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        var expected = Encoding.UTF8.GetBytes(HostileDiff);
        Assert.Multiple(() =>
        {
            Assert.That(url, Is.EqualTo("/runs/page-3/phases/page-3-a/attempts/1/diff"));
            Assert.That(diff.GetProperty("bytes").GetInt64(), Is.EqualTo(expected.Length));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(response.Content.Headers.ContentType?.CharSet, Is.EqualTo("utf-8"));
            Assert.That(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) ? nosniff : [], Is.EqualTo(new[] { "nosniff" }));
            Assert.That(body, Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task GetRun_EveryListedFileUrl_ServesThatFilesBytes()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-3");

        var listed = view.GetProperty("attempts").EnumerateArray()
            .SelectMany(p => p.GetProperty("attempts").EnumerateArray().SelectMany(t => t.GetProperty("files").EnumerateArray()
                .Select(f => (Phase: p.GetProperty("phase_id").GetString()!, Attempt: t.GetProperty("attempt").GetInt32(), Kind: f.GetProperty("kind").GetString()!, Url: f.GetProperty("url").GetString()!))))
            .ToList();
        Assert.That(listed, Has.Count.EqualTo(7));
        foreach (var file in listed)
        {
            var path = new AttemptFiles(Path.Combine(api.Db.RunsDirectory, "page-3", "phases", file.Phase), file.Attempt).PathOf(file.Kind)!;
            using var response = await api.Client.GetAsync(new Uri(file.Url, UriKind.Relative));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), file.Url);
            Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(await File.ReadAllBytesAsync(path)), file.Url);
        }
    }

    [Test]
    public async Task GetRun_RunWithARepositoryAndApprovedPhases_ShowsRepositoryBranchBaseAndCommitsInPhaseOrder()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-3");

        var run = view.GetProperty("run");
        var commits = run.GetProperty("commits").EnumerateArray()
            .Select(c => (c.GetProperty("sha").GetString(), c.GetProperty("phase_id").GetString(), c.GetProperty("phase_name").GetString()))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("repository").GetString(), Is.EqualTo("/srv/repos/service"));
            Assert.That(run.GetProperty("branch").GetString(), Is.EqualTo("autopack/page-3"));
            Assert.That(run.GetProperty("base_commit").GetString(), Is.EqualTo(BaseSha));
            Assert.That(commits, Is.EqualTo(new[] { (ShaA, "page-3-a", "page-3-a"), (ShaB, "page-3-b", "page-3-b") }));
        });
    }

    [Test]
    public async Task GetRun_RunWithoutRepositoryOrAttempts_HasItsBranchAndNoCommitsOrAttempts()
    {
        var view = await api.GetJsonAsync("/dashboard/api/runs/page-2");

        var run = view.GetProperty("run");
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("repository").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(run.GetProperty("base_commit").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(run.GetProperty("branch").GetString(), Is.EqualTo("autopack/page-2"));
            Assert.That(run.GetProperty("commits").GetArrayLength(), Is.Zero);
            Assert.That(view.GetProperty("attempts").GetArrayLength(), Is.Zero);
        });
    }

    [TestCase("/dashboard/api/runs/ghost")]
    [TestCase("/dashboard/api/runs/ghost/events")]
    public async Task GetRun_Unknown_Returns404NamingTheRun(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("'ghost' not found"));
    }

    [TestCase("before=0", "before")]
    [TestCase("before=x", "before")]
    [TestCase("limit=501", "limit")]
    public async Task GetRunEvents_BadQuery_Returns400NamingTheField(string query, string field)
    {
        using var response = await api.Client.GetAsync(new Uri($"/dashboard/api/runs/page-1/events?{query}", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    private void Execute(string sql)
    {
        using var connection = api.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void WriteAttemptFile(string runId, string phaseId, string name, string content)
    {
        var folder = Path.Combine(api.Db.RunsDirectory, runId, "phases", phaseId);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, name), Encoding.UTF8.GetBytes(content));
    }
}
