using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Breakers;
using Autopack.Storage.Leases;
using Autopack.Testing;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>
/// With AUTOPACK_API_KEY set, the dashboard's JSON says so (the page then asks for the key) and still reads without
/// it, while the endpoints its buttons POST to refuse a request without the key and accept one with it.
/// </summary>
public sealed class DashboardActionTests
{
    private const string Key = "dashboard-test-key";

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithKey()
    {
        api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_API_KEY"] = Key });
        await api.Db.CreateRunAsync(new PlanBuilder("act-1").Phase("act-1-a").Build());
        Directory.CreateDirectory(api.Db.RunsDirectory);
        await api.Service<BreakerStates>().PublishAsync("offline", "open", 3, null, "executor pid 1");
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [TestCase("/dashboard/api/summary")]
    [TestCase("/dashboard/api/runs/act-1")]
    public async Task GetDashboardJson_KeySet_ReadsWithoutTheKeyAndSaysOneIsRequired(string path)
    {
        var view = await api.GetJsonAsync(path);

        Assert.That(view.GetProperty("api_key_required").GetBoolean(), Is.True);
    }

    [Test]
    public async Task GetPage_KeySet_ServedWithoutTheKey()
    {
        using var response = await api.Client.GetAsync(new Uri("/dashboard", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("/runs/act-1/stop", ".stop_executor")]
    [TestCase("/runs/act-1/abort", ".abort_run")]
    [TestCase("/phases/act-1-a/timeout", ".force_timeout")]
    public async Task PostAction_WithoutKey_401AndNoControlFile_WithKey_202AndTheFile(string path, string file)
    {
        var control = Path.Combine(api.Db.RunsDirectory, file);
        File.Delete(control);

        // A live executor holds the run, so the abort is left to it (a file) rather than ending the run at once.
        var leases = api.Service<ExecutorLeases>();
        await leases.TryAcquireAsync("act-1", "dashboard-test", Environment.ProcessId, Environment.MachineName, TimeSpan.FromSeconds(15));

        using var refused = await api.PostAsync(path);
        var writtenWithoutKey = File.Exists(control);
        using var wrong = await api.PostAsync(path, "not-the-key");
        using var accepted = await api.PostAsync(path, Key);

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(writtenWithoutKey, Is.False);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(File.Exists(control), Is.True);
        });
        File.Delete(control);
        await leases.ReleaseAsync("act-1", "dashboard-test");
    }

    [Test]
    public async Task PostBreakerReset_WithoutKey_401_WithKey_202AndTheResetShowsOnTheDashboard()
    {
        using var refused = await api.PostAsync("/circuit-breakers/reset?name=offline");
        var before = await api.GetJsonAsync("/dashboard/api/summary");
        using var accepted = await api.PostAsync("/circuit-breakers/reset?name=offline", Key);
        var after = await api.GetJsonAsync("/dashboard/api/summary");

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(before.GetProperty("circuit_breakers")[0].GetProperty("reset_requested_at").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(after.GetProperty("circuit_breakers")[0].GetProperty("reset_requested_at").GetString(), Is.Not.Null);
        });
    }
}
