using System.Globalization;
using System.Net;
using Autopack.Testing;

namespace Autopack.Api.Tests.RateLimiting;

/// <summary>
/// A real <c>autopack serve</c> on loopback, flooded by one local client (eight concurrent requests at a time on
/// eight connections) until the limiter refuses it, while another local client checks health, stops work and reads.
/// </summary>
[NonParallelizable]
public sealed class LocalFloodTests
{
    private const int PerMinute = 40;

    [Test]
    public async Task Serve_LocalClientFloodsTheApi_HealthAbortAndOtherClientsStillAnswered()
    {
        using var db = new TestDatabase();
        await db.CreateRunAsync(new PlanBuilder("flood-run").Phase("flood-run-p1").Build());
        var port = FreePort.Next();
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AUTOPACK_DB"] = db.Database.FullPath,
            ["AUTOPACK_RUNS_DIR"] = db.RunsDirectory,
            ["AUTOPACK_LOG_PATH"] = Path.Combine(db.FolderPath, "logs", "api.jsonl"),
            ["AUTOPACK_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = PerMinute.ToString(CultureInfo.InvariantCulture),
        };
        using var server = AutopackProcess.Start(db.FolderPath, env, "serve");
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var noisyHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 8 };
        using var noisy = new HttpClient(noisyHandler) { BaseAddress = baseAddress };
        using var operatorClient = new HttpClient { BaseAddress = baseAddress };
        await server.WaitUntilReadyAsync(operatorClient);

        using var flooding = new CancellationTokenSource();
        var refused = 0;
        var flood = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!flooding.IsCancellationRequested)
            {
                foreach (var path in new[] { "/runs/flood-run", "/runs", "/dashboard/api/summary" })
                {
                    using var response = await noisy.GetAsync(new Uri(path, UriKind.Relative));
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            }
        })).ToList();

        try
        {
            Assert.That(await Eventually.TrueAsync(() => Volatile.Read(ref refused) >= 50, TimeSpan.FromSeconds(60)), Is.True, "the flood is refused");

            // Many probes, more than the data budget, while the flood goes on.
            for (var i = 0; i < PerMinute + 10; i++)
            {
                using var health = await operatorClient.GetAsync(new Uri("/health", UriKind.Relative));
                Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"/health #{i}");
            }

            using var ready = await operatorClient.GetAsync(new Uri("/ready", UriKind.Relative));
            using var metrics = await operatorClient.GetAsync(new Uri("/metrics", UriKind.Relative));
            using var read = await operatorClient.GetAsync(new Uri("/runs/flood-run", UriKind.Relative));
            using var abort = await operatorClient.PostAsync(new Uri("/runs/flood-run/abort", UriKind.Relative), null);
            var after = await operatorClient.GetStringAsync(new Uri("/runs/flood-run", UriKind.Relative));

            Assert.Multiple(() =>
            {
                Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another local client keeps its own data budget");
                Assert.That((int)abort.StatusCode, Is.EqualTo(200).Or.EqualTo(202), "abort is answered");
                Assert.That(after, Does.Contain("\"ABORTED\""), "the abort took effect");
            });
        }
        finally
        {
            await flooding.CancelAsync();
            await Task.WhenAll(flood);
        }
    }
}
