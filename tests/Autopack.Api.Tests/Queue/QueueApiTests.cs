using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Testing;

namespace Autopack.Api.Tests.Queue;

/// <summary>GET and PATCH /queue, POST /admin/mode, POST /runs/{run_id}/requeue, and the queue in /ready, /metrics and the dashboard.</summary>
public sealed class QueueApiTests
{
    private ApiHarness api = null!;

    [SetUp]
    public void StartApi() => api = new ApiHarness();

    [TearDown]
    public void StopApi() => api.Dispose();

    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = ApiHarness.Json(json);
        }

        return await api.Client.SendAsync(request);
    }

    private async Task<WorkerRegistration> WorkerAsync(string id)
    {
        var worker = new WorkerRegistration(id, "test-host", 4000, 2);
        await api.Service<WorkerRegistry>().RegisterAsync(worker);
        return worker;
    }

    private long Scalar(string sql) => api.Db.Scalar(sql);

    [Test]
    public async Task GetQueue_FreshDatabase_DispatchOnNormalNoLimitNoWorker()
    {
        var queue = await api.GetJsonAsync("/queue");

        Assert.Multiple(() =>
        {
            Assert.That(queue.GetProperty("dispatch").GetBoolean(), Is.True);
            Assert.That(queue.GetProperty("mode").GetString(), Is.EqualTo("NORMAL"));
            Assert.That(queue.GetProperty("executing_limit").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(queue.GetProperty("queued").GetInt64(), Is.Zero);
            Assert.That(queue.GetProperty("oldest_queued_age_seconds").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(queue.GetProperty("workers").GetArrayLength(), Is.Zero);
            Assert.That(queue.GetProperty("dispatch_possible").GetBoolean(), Is.False);
            Assert.That(queue.GetProperty("dispatch_refusal").GetString(), Does.Contain("no live worker"));
        });
    }

    [Test]
    public async Task GetQueue_RunsClaimedAndWaiting_CountsAgesAndWorkersWithHeartbeatAge()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("q-1").Phase("q-1-a").Build());
        await api.Db.CreateRunAsync(new PlanBuilder("q-2").Phase("q-2-a").Build());
        var worker = await WorkerAsync("w-1");
        await api.Service<RunClaims>().TryClaimAsync(worker, Stale);

        var queue = await api.GetJsonAsync("/queue");

        var listed = queue.GetProperty("workers")[0];
        Assert.Multiple(() =>
        {
            Assert.That(queue.GetProperty("queued").GetInt64(), Is.EqualTo(1), "q-2 waits; q-1 is claimed");
            Assert.That(queue.GetProperty("executing").GetInt64(), Is.EqualTo(1));
            Assert.That(queue.GetProperty("oldest_queued_age_seconds").GetDouble(), Is.GreaterThanOrEqualTo(0));
            Assert.That(queue.GetProperty("dispatch_possible").GetBoolean(), Is.True);
            Assert.That(listed.GetProperty("worker_id").GetString(), Is.EqualTo("w-1"));
            Assert.That(listed.GetProperty("claimed_runs").GetInt32(), Is.EqualTo(1));
            Assert.That(listed.GetProperty("concurrency").GetInt32(), Is.EqualTo(2));
            Assert.That(listed.GetProperty("state").GetString(), Is.EqualTo("RUNNING"));
            Assert.That(listed.GetProperty("stale").GetBoolean(), Is.False);
            Assert.That(listed.GetProperty("heartbeat_age_seconds").GetDouble(), Is.LessThan(Stale.TotalSeconds));
        });
    }

    [Test]
    public async Task PatchQueue_DispatchAndLimit_StoredAnsweredAndRecorded()
    {
        using var response = await SendAsync(HttpMethod.Patch, "/queue", """{"dispatch": false, "executing_limit": 4}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var queue = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(queue.GetProperty("dispatch").GetBoolean(), Is.False);
            Assert.That(queue.GetProperty("executing_limit").GetInt32(), Is.EqualTo(4));
            Assert.That(queue.GetProperty("updated_by").GetString(), Is.EqualTo("api"));
            Assert.That(queue.GetProperty("dispatch_refusal").GetString(), Does.Contain("paused"));
            Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 0 AND executing_limit = 4 AND mode = 'NORMAL'"), Is.EqualTo(1));
            Assert.That(Scalar("SELECT count(*) FROM events WHERE kind = 'queue_changed' AND message = 'dispatch off, executing_limit 4 (by api)'"), Is.EqualTo(1));
        });

        using var unlimited = await SendAsync(HttpMethod.Patch, "/queue", """{"executing_limit": null}""");
        Assert.That((await ApiHarness.ReadJsonAsync(unlimited)).GetProperty("executing_limit").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 0 AND executing_limit IS NULL"), Is.EqualTo(1), "dispatch left as it was");
    }

    [Test]
    public async Task PatchQueue_NotJsonOrWrongType_400Or415()
    {
        using var broken = await SendAsync(HttpMethod.Patch, "/queue", """{"dispatch": fal""");
        using var text = new HttpRequestMessage(HttpMethod.Patch, "/queue") { Content = new StringContent("dispatch=false") };
        using var plain = await api.Client.SendAsync(text);

        Assert.That(broken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ApiHarness.ReadProblemAsync(broken)).GetProperty("detail").GetString(), Does.StartWith("body: "));
        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(Scalar("SELECT count(*) FROM events"), Is.Zero);
    }

    [Test]
    public async Task PostAdminMode_DrainingThenNormal_ModeVisibleAndDrainedOnceNothingExecutes()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("d-1").Phase("d-1-a").Build());
        var worker = await WorkerAsync("w-1");
        await api.Service<RunClaims>().TryClaimAsync(worker, Stale);

        using var draining = await SendAsync(HttpMethod.Post, "/admin/mode", """{"mode": "DRAINING"}""");
        var busy = await ApiHarness.ReadJsonAsync(draining);
        Sql("UPDATE run_claims SET released_at = '2026-12-04T15:00:00.000Z'");
        var idle = await api.GetJsonAsync("/queue");
        using var normal = await SendAsync(HttpMethod.Post, "/admin/mode", """{"mode": "NORMAL"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(draining.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(busy.GetProperty("mode").GetString(), Is.EqualTo("DRAINING"));
            Assert.That(busy.GetProperty("drained").GetBoolean(), Is.False, "one run still executing");
            Assert.That(busy.GetProperty("dispatch_refusal").GetString(), Does.Contain("DRAINING"));
            Assert.That(idle.GetProperty("drained").GetBoolean(), Is.True);
            Assert.That(idle.GetProperty("executing").GetInt64(), Is.Zero);
            Assert.That((await ApiHarness.ReadJsonAsync(normal)).GetProperty("mode").GetString(), Is.EqualTo("NORMAL"));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'queue_changed' AND message LIKE 'mode %(by api)'"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task QueueHeartbeat_NothingQueued_Pass200()
    {
        await WorkerAsync("w-1");

        using var response = await api.Client.GetAsync(new Uri("/queue/heartbeat", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("pass"));
        Assert.That(body.GetProperty("reasons").GetArrayLength(), Is.Zero);
        Assert.That(body.GetProperty("live_workers").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task QueueHeartbeat_StaleWorkerBesideALiveOne_Warn200NamingIt()
    {
        await WorkerAsync("w-dead");
        await WorkerAsync("w-alive");
        Sql($"UPDATE workers SET heartbeat_at = '{DbTime.ToText(TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(2))}' WHERE worker_id = 'w-dead'");

        using var response = await api.Client.GetAsync(new Uri("/queue/heartbeat", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("warn"));
            Assert.That(body.GetProperty("reasons")[0].GetString(), Does.StartWith("worker w-dead (pid 4000 on test-host): heartbeat 12"));
            Assert.That(body.GetProperty("stale_workers").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task QueueHeartbeat_GrowingBacklog_Warn200()
    {
        await WorkerAsync("w-1");
        await api.Db.CreateRunAsync(new PlanBuilder("b-1").Phase("b-1-a").Build());

        var body = await api.GetJsonAsync("/queue/heartbeat");

        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("warn"));
        Assert.That(body.GetProperty("reasons")[0].GetString(), Does.StartWith("backlog growing: 1 run(s) queued and 0 claimed"));
    }

    [Test]
    public async Task QueueHeartbeat_RunsQueuedNoLiveWorker_Fail503()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("f-1").Phase("f-1-a").Build());

        using var response = await api.Client.GetAsync(new Uri("/queue/heartbeat", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("fail"));
        Assert.That(body.GetProperty("reasons")[0].GetString(), Is.EqualTo("1 run(s) waiting and no live worker"));
        Assert.That(body.GetProperty("queued").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task PostRequeue_PausedQueuedUnknown_200Then409Then404()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("p-1").Phase("p-1-a").Build());
        Sql("UPDATE runs SET status = 'PAUSED' WHERE run_id = 'p-1'");

        using var requeued = await api.PostAsync("/runs/p-1/requeue");
        using var again = await api.PostAsync("/runs/p-1/requeue");
        using var unknown = await api.PostAsync("/runs/nope/requeue");

        Assert.That(requeued.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ApiHarness.ReadJsonAsync(requeued)).GetProperty("status").GetString(), Is.EqualTo("QUEUED"));
        Assert.That(api.Db.Scalar("SELECT count(*) FROM runs WHERE run_id = 'p-1' AND status = 'QUEUED'"), Is.EqualTo(1));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ApiHarness.ReadProblemAsync(again)).GetProperty("detail").GetString(), Does.Contain("QUEUED -> QUEUED"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task GetReady_QueuePaused_Still200WithTheDispatchFactsInTheBody()
    {
        await api.Service<QueueControl>().UpdateAsync(new QueueChange(Dispatch: false), "test");

        using var response = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a paused queue is an operator's choice, not an outage (ADR-033)");
        var queue = (await ApiHarness.ReadJsonAsync(response)).GetProperty("queue");
        Assert.Multiple(() =>
        {
            Assert.That(queue.GetProperty("dispatch_possible").GetBoolean(), Is.False);
            Assert.That(queue.GetProperty("dispatch_refusal").GetString(), Does.Contain("dispatch is paused"));
            Assert.That(queue.GetProperty("dispatch").GetBoolean(), Is.False);
            Assert.That(queue.GetProperty("mode").GetString(), Is.EqualTo("NORMAL"));
            Assert.That(queue.GetProperty("live_workers").GetInt32(), Is.Zero);
        });
    }

    [Test]
    public async Task Metrics_RunsWaiting_QueueDepthOldestAgeAndModeExported()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("m-1").Phase("m-1-a").Build());
        await api.Db.CreateRunAsync(new PlanBuilder("m-2").Phase("m-2-a").Build());
        Sql($"UPDATE runs SET created_at = '{DbTime.ToText(TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(10))}' WHERE run_id = 'm-1'");
        await api.Service<QueueControl>().UpdateAsync(new QueueChange(Mode: QueueMode.Draining), "test");

        var text = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var oldest = text.Split('\n').Single(l => l.StartsWith("autopack_queue_oldest_age_seconds ", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("\nautopack_queue_depth 2\n"));
            Assert.That(double.Parse(oldest.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(600));
            Assert.That(text, Does.Contain("\nautopack_queue_draining 1\n"));
            Assert.That(text, Does.Contain("\nautopack_queue_dispatch 0\n"));
            Assert.That(text, Does.Contain("\nautopack_queue_executing 0\n"));
        });
    }

    [Test]
    public async Task DashboardSummary_Draining_ShowsTheQueueAndItsMode()
    {
        await api.Service<QueueControl>().UpdateAsync(new QueueChange(Mode: QueueMode.Draining, ChangeLimit: true, ExecutingLimit: 3), "test");
        await WorkerAsync("w-1");

        var queue = (await api.GetJsonAsync("/dashboard/api/summary")).GetProperty("queue");

        Assert.That(queue.GetProperty("mode").GetString(), Is.EqualTo("DRAINING"));
        Assert.That(queue.GetProperty("executing_limit").GetInt32(), Is.EqualTo(3));
        Assert.That(queue.GetProperty("workers")[0].GetProperty("worker_id").GetString(), Is.EqualTo("w-1"));
    }

    private void Sql(string sql)
    {
        using var connection = api.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
