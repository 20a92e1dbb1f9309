using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Autopack.Testing;

namespace Autopack.Api.Tests.EndToEnd;

/// <summary>
/// The real <c>autopack serve</c> process. Traffic only ever goes to 127.0.0.1, even when the server binds
/// 0.0.0.0; each process is stopped by its own handle.
/// </summary>
[NonParallelizable]
public sealed class ServeProcessTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Serve_NonLocalBindWithoutFlag_ExitsNonZeroNamingTheFlag()
    {
        using var folder = new TempDirectory();
        var port = FreePort.Next();

        var (exitCode, output, error) = await AutopackProcess.RunAsync(
            folder.Path, Env(port, ("AUTOPACK_BIND_ADDRESS", "0.0.0.0")), ExitTimeout, "serve");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("AUTOPACK_ALLOW_NON_LOCAL"));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(output, Does.Not.Contain("listening"));
        });
    }

    [Test]
    public async Task Serve_NonLocalBindWithFlagButNoKey_ExitsNonZeroNamingTheKey()
    {
        using var folder = new TempDirectory();
        var port = FreePort.Next();

        var (exitCode, _, error) = await AutopackProcess.RunAsync(
            folder.Path, Env(port, ("AUTOPACK_BIND_ADDRESS", "0.0.0.0"), ("AUTOPACK_ALLOW_NON_LOCAL", "1")), ExitTimeout, "serve");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("AUTOPACK_API_KEY"));
        });
    }

    [Test]
    public async Task Serve_BadSetting_ExitsNonZeroNamingIt()
    {
        using var folder = new TempDirectory();

        var (exitCode, _, error) = await AutopackProcess.RunAsync(
            folder.Path, Env(FreePort.Next(), ("AUTOPACK_RUN_TOKEN_CAP", "-1")), ExitTimeout, "serve");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("AUTOPACK_RUN_TOKEN_CAP"));
        });
    }

    [Test]
    public async Task Serve_NonLocalBindWithFlagAndKey_ServesAndRequiresTheKeyForWrites()
    {
        using var folder = new TempDirectory();
        var port = FreePort.Next();
        var env = Env(port, ("AUTOPACK_BIND_ADDRESS", "0.0.0.0"), ("AUTOPACK_ALLOW_NON_LOCAL", "1"), ("AUTOPACK_API_KEY", "e2e-key"));
        var (migrated, _, migrateError) = await AutopackProcess.RunAsync(folder.Path, env, ExitTimeout, "db", "migrate");
        Assert.That(migrated, Is.Zero, migrateError);

        using var server = AutopackProcess.Start(folder.Path, env, "serve");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var health = await WaitForHealthAsync(server, client);

        using var denied = await client.PostAsync(new Uri("/circuit-breakers/reset", UriKind.Relative), null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs")
        {
            Content = JsonContent.Create(JsonDocument.Parse("""{"run_id": "e2e-1", "goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""").RootElement),
        };
        request.Headers.Add("X-API-Key", "e2e-key");
        using var created = await client.SendAsync(request);

        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(health.GetProperty("bind_address").GetString(), Is.EqualTo("0.0.0.0"));
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        });

        server.Terminate();
        Assert.That(await server.WaitForExitAsync(ExitTimeout), Is.True, "SIGTERM stops the server");
    }

    [Test]
    public async Task Serve_Ipv4MappedLoopbackAddress_ServesAsLoopback()
    {
        using var folder = new TempDirectory();
        var port = FreePort.Next();

        using var server = AutopackProcess.Start(folder.Path, Env(port, ("AUTOPACK_BIND_ADDRESS", "::ffff:127.0.0.1")), "serve");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var health = await WaitForHealthAsync(server, client, expectOk: false);

        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("bind_address").GetString(), Is.EqualTo("127.0.0.1"), "the IPv4 address it maps");
            Assert.That(server.Output, Does.Contain($"listening on http://127.0.0.1:{port}"));
        });
    }

    [Test]
    public async Task Serve_AddressNotOnThisMachine_ExitsNonZeroWithOneLineNamingTheAddress()
    {
        using var folder = new TempDirectory();

        // 192.0.2.1 is TEST-NET-1 (RFC 5737): allowed by the guard here, but no interface has it, so bind fails.
        var (exitCode, output, error) = await AutopackProcess.RunAsync(
            folder.Path,
            Env(FreePort.Next(), ("AUTOPACK_BIND_ADDRESS", "192.0.2.1"), ("AUTOPACK_ALLOW_NON_LOCAL", "1"), ("AUTOPACK_API_KEY", "k")),
            ExitTimeout,
            "serve");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.StartWith("error: AUTOPACK_BIND_ADDRESS: cannot listen on 192.0.2.1:"));
            Assert.That(output, Does.Not.Contain("listening"));
        });
    }

    [Test]
    public async Task Serve_PortInUse_ExitsNonZeroWithOneLineNamingThePort()
    {
        using var folder = new TempDirectory();
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, _, error) = await AutopackProcess.RunAsync(folder.Path, Env(port), ExitTimeout, "serve");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.StartWith($"error: AUTOPACK_PORT: cannot listen on 127.0.0.1:{port}"));
        });
    }

    [Test]
    public async Task Serve_UnusableLogPath_WarnsOnceAndServesFromTheConsole()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("blocker"), "a file where the log folder should be");
        var port = FreePort.Next();
        var env = Env(port, ("AUTOPACK_LOG_PATH", folder.Combine("blocker", "logs", "autopack.jsonl")));

        using var server = AutopackProcess.Start(folder.Path, env, "serve");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var health = await WaitForHealthAsync(server, client, expectOk: false);

        var all = server.Output + server.Error;
        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("unhealthy"), "no database: the server does not migrate it");
            Assert.That(all.Split('\n').Count(l => l.Contains("AUTOPACK_LOG_PATH", StringComparison.Ordinal)), Is.EqualTo(1), all);
            Assert.That(all, Does.Contain("console only"));
            Assert.That(all, Does.Contain("autopack db migrate"));
            Assert.That(File.Exists(folder.Combine("autopack.db")), Is.False);
        });
    }

    private static Dictionary<string, string?> Env(int port, params (string Key, string Value)[] settings)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["AUTOPACK_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (key, value) in settings)
        {
            env[key] = value;
        }

        return env;
    }

    private static async Task<JsonElement> WaitForHealthAsync(AutopackProcess server, HttpClient client, bool expectOk = true)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(30);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (server.HasExited)
            {
                Assert.Fail($"serve exited with {server.ExitCode}: {server.Output} {server.Error}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
                if (!expectOk || response.StatusCode == HttpStatusCode.OK)
                {
                    using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return document.RootElement.Clone();
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no /health answer within 30s: {server.Output} {server.Error}");
        return default;
    }
}
