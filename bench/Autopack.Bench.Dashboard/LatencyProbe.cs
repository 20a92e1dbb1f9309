using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Autopack.Bench.Dashboard;

/// <summary>Sequential GETs of one path on the loopback server: a warm-up, then the timed requests (whole response read).</summary>
internal static class LatencyProbe
{
    public static async Task<Latency> MeasureAsync(HttpClient client, string name, string path, int requests)
    {
        for (var i = 0; i < Math.Max(5, requests / 10); i++)
        {
            await GetAsync(client, path);
        }

        var samples = new double[requests];
        long bytes = 0;
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            bytes = await GetAsync(client, path);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        double P(double q) => samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)];
        return new Latency(name, path, requests, P(0.5), P(0.9), P(0.99), samples[^1], bytes);
    }

    private static async Task<long> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }

        return body.Length;
    }
}

/// <summary>Latency figures of one endpoint, in milliseconds.</summary>
internal sealed record Latency(string Name, string Path, int Requests, double Median, double P90, double P99, double Max, long Bytes)
{
    public string Row() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Name} | `{Path}` | {Median:F1} | {P90:F1} | {P99:F1} | {Max:F1} | {Bytes / 1024.0:F1} |");
}
