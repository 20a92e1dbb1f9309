using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Testing;

/// <summary>
/// A real HTTP peer for a test (a provider stand-in): Kestrel on 127.0.0.1 at a free port, no logging, the
/// routes the test maps. Stopped and disposed with the test.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackServer(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LoopbackServer(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
