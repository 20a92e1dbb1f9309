using Autopack.Api.Runs;
using Autopack.Api.Tests.Support;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Runs;

/// <summary>GET /runs/{id} and /runs/{id}/phases of a finished run come from a one-second cache; a run still going never does (ADR-041).</summary>
public sealed class FinishedRunCacheTests
{
    private readonly FakeTimeProvider clock = new();
    private ApiHarness api = null!;

    [SetUp]
    public void StartApi() => api = new ApiHarness(services: s => s.AddSingleton(new FinishedRunCache(clock)));

    [TearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetRun_FinishedRunChangedBehindTheApi_OldViewForUnderASecondThenTheNewOne()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("fin-1").Phase("fin-1-a").Build());
        Rows.Execute(api.Db, "UPDATE runs SET status = 'DONE_FAILED', failure_reason = 'first' WHERE run_id = 'fin-1'");
        Assert.That((await api.GetJsonAsync("/runs/fin-1")).GetProperty("failure_reason").GetString(), Is.EqualTo("first"));

        Rows.Execute(api.Db, "UPDATE runs SET failure_reason = 'changed by a restore' WHERE run_id = 'fin-1'");
        var within = await api.GetJsonAsync("/runs/fin-1");
        var phasesWithin = await api.GetJsonAsync("/runs/fin-1/phases");
        clock.Advance(FinishedRunCache.Lifetime);
        var after = await api.GetJsonAsync("/runs/fin-1");

        Assert.Multiple(() =>
        {
            Assert.That(within.GetProperty("failure_reason").GetString(), Is.EqualTo("first"), "served from the cache");
            Assert.That(phasesWithin.GetArrayLength(), Is.EqualTo(1));
            Assert.That(after.GetProperty("failure_reason").GetString(), Is.EqualTo("changed by a restore"), "read again once the second passed");
        });
    }

    [Test]
    public async Task GetRun_RunStillGoing_EveryChangeSeenAtOnce()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("live-1").Phase("live-1-a").Build());
        var queued = await api.GetJsonAsync("/runs/live-1");

        Rows.Execute(api.Db, "UPDATE runs SET status = 'EXECUTING' WHERE run_id = 'live-1'");
        var executing = await api.GetJsonAsync("/runs/live-1");
        Rows.Execute(api.Db, "UPDATE runs SET status = 'DONE_SUCCESS' WHERE run_id = 'live-1'");
        var done = await api.GetJsonAsync("/runs/live-1");

        Assert.Multiple(() =>
        {
            Assert.That(queued.GetProperty("status").GetString(), Is.EqualTo("QUEUED"));
            Assert.That(executing.GetProperty("status").GetString(), Is.EqualTo("EXECUTING"));
            Assert.That(done.GetProperty("status").GetString(), Is.EqualTo("DONE_SUCCESS"), "the run's end is seen without waiting for the cache");
        });
    }

    [Test]
    public async Task GetRun_MoreFinishedRunsThanTheCacheHolds_EachStillReadCorrectly()
    {
        var cache = new FinishedRunCache(clock);
        var views = new List<RunDetailView>();
        for (var i = 0; i <= FinishedRunCache.Capacity; i++)
        {
            views.Add(cache.Offer(await ViewAsync($"many-{i}")));
        }

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet($"many-{FinishedRunCache.Capacity}", out var last), Is.True, "the newest is kept after the cache was emptied");
            Assert.That(last.RunId, Is.EqualTo($"many-{FinishedRunCache.Capacity}"));
            Assert.That(cache.TryGet("many-0", out _), Is.False, "the oldest went when the cache was full");
        });
    }

    private async Task<RunDetailView> ViewAsync(string runId)
    {
        await api.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-a").Build());
        Rows.Execute(api.Db, $"UPDATE runs SET status = 'ABORTED' WHERE run_id = '{runId}'");
        return RunDetailView.From(await api.Service<Autopack.Storage.Runs.RunDetailReader>().GetAsync(runId));
    }
}
