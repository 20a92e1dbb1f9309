using System.Diagnostics;

namespace Autopack.Bench.Processes;

/// <summary>
/// A small wrk: <c>connections</c> loops, each on its own keep-alive connection, sending GETs back to back for a
/// fixed time after a one-second warm-up, reading every answer whole; gives req/s, p50, p99 and non-2xx answers.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    private readonly SocketsHttpHandler handler;
    private readonly HttpClient http;
    private readonly int connections;

    public LoadGenerator(Uri baseAddress, int connections)
    {
        this.connections = connections;
        handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<string> GetStringAsync(string path) => http.GetStringAsync(new Uri(path, UriKind.Relative));

    public async Task WaitReadyAsync(Func<string?> exited)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (exited() is { } why)
            {
                throw new InvalidOperationException("server exited: " + why);
            }

            try
            {
                using var response = await http.GetAsync(new Uri("ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("server not ready");
    }

    public async Task<LoadResult> RunAsync(string path, TimeSpan duration, int? connections = null)
    {
        var loops = connections ?? this.connections;
        var uri = new Uri(path, UriKind.Relative);
        await LoopAsync(loops, TimeSpan.FromSeconds(1), uri, record: false);
        return await LoopAsync(loops, duration, uri, record: true);
    }

    public void Dispose()
    {
        http.Dispose();
        handler.Dispose();
    }

    private async Task<LoadResult> LoopAsync(int loops, TimeSpan duration, Uri uri, bool record)
    {
        var latencies = new List<double>[loops];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, loops).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
                if (record)
                {
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }

                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length, failures, clock.Elapsed, all);
    }
}
