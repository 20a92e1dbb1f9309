using System.Globalization;

namespace Autopack.Bench.Processes;

/// <summary>What one load case measured: requests, non-2xx answers, wall time and sorted latencies (ms).</summary>
internal sealed record LoadResult(int Requests, int Failures, TimeSpan Elapsed, double[] SortedLatenciesMs)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public double Percentile(double q) =>
        SortedLatenciesMs.Length == 0 ? double.NaN : SortedLatenciesMs[Math.Min(SortedLatenciesMs.Length - 1, Math.Max(0, (int)Math.Ceiling(q * SortedLatenciesMs.Length) - 1))];

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{RequestsPerSecond:F0} req/s, p50 {Percentile(0.5):F2} ms, p99 {Percentile(0.99):F2} ms, {Failures} non-2xx of {Requests}");
}
