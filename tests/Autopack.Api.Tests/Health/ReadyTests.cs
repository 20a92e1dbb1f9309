using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Api.Tests.Health;

public sealed class ReadyTests
{
    [Test]
    public async Task GetReady_MigratedAndWritable_Returns200()
    {
        using var api = new ApiHarness();

        using var response = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("ready"));
    }

    [Test]
    public async Task GetReady_MigratedDown_Returns503ProblemSayingToMigrate()
    {
        using var api = new ApiHarness();
        new DatabaseMigrator(api.Db.Database).MigrateDown(202611251700);

        using var response = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("autopack db migrate"));
    }

    [Test]
    public async Task GetReady_EmptyDatabaseFile_Returns503Problem()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("empty.db");
        File.WriteAllBytes(path, []);
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_DB"] = path });

        using var response = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("schema is at 0"));
    }

    [Test]
    public async Task DataEndpoints_DatabaseMissing_Answer503ProblemAndCreateNoFile()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("missing.db");
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_DB"] = path });

        using var list = await api.Client.GetAsync(new Uri("/runs", UriKind.Relative));
        using var create = await api.PostPlanAsync("""{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""");
        using var ready = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));
        using var metrics = await api.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await ApiHarness.ReadProblemAsync(create)).GetProperty("detail").GetString(), Does.Contain("autopack db migrate"));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await metrics.Content.ReadAsStringAsync(), Does.Contain("autopack_database_up 0"));
            Assert.That(File.Exists(path), Is.False, "the server never creates or migrates the database");
        });
    }
}
