using System.Diagnostics;
using System.Globalization;
using Autopack.Bench.Processes;
using Autopack.Domain.Settings;

// Real processes, real files, real database: what an operator sees.
// Sections: control, executor, cold, http (default: all), and readpath and claims (only when named). `--samples N` sets the control-file sample count;
// `--autopack DIR` runs the control section's executor from a published folder (DIR/autopack: the native front, ADR-045).
var sections = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _) && (i == 0 || args[i - 1] != "--autopack")).ToHashSet(StringComparer.Ordinal);
var samplesIndex = Array.IndexOf(args, "--samples");
var samples = samplesIndex >= 0 ? int.Parse(args[samplesIndex + 1], CultureInfo.InvariantCulture) : 100;
var publishedIndex = Array.IndexOf(args, "--autopack");
var published = publishedIndex >= 0 ? Path.Combine(Path.GetFullPath(args[publishedIndex + 1]), "autopack") : null;
if (published is not null)
{
    // The published folder holds the native front only where its publish compiled one (ADR-045).
    Console.WriteLine($"executor: {published}, {(PublishedLayout.HoldsFront(Path.GetDirectoryName(published)!) ? "the native front" : "the managed program (no front in that folder)")}");
}
bool Run(string section) => sections.Count == 0 || sections.Contains(section);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");

if (Run("control"))
{
    Report($"control file -> executor acting (ms){(published is null ? "" : $", executor {published}")}", await ControlFileLatency.MeasureAsync(samples, published));
}

if (Run("executor"))
{
    var overhead = await ExecutorThroughput.MeasureAsync(phases: 200);
    Console.WriteLine($"executor overhead: {overhead.Phases} phases in {overhead.Elapsed.TotalSeconds:F2} s = {overhead.Phases / overhead.Elapsed.TotalSeconds:F1} phases/s ({overhead.Elapsed.TotalMilliseconds / overhead.Phases:F1} ms per phase incl. 2 offline calls + 4 state changes)");
}

if (Run("cold"))
{
    var starts = await ColdStart.MeasureAsync(rounds: 5);
    Report("executor cold start -> lease held (ms)", starts.Executor);
    Report("server cold start -> /ready 200 (ms)", starts.Server);
}

if (Run("http"))
{
    await HttpLoad.RunAsync(TimeSpan.FromSeconds(8));
}

// Not part of the default run: `-- readpath [--seconds N] [--rounds N] [--usage-rows N]` (bare minimal API side by side, about 3 minutes).
if (sections.Contains("readpath"))
{
    var secondsIndex = Array.IndexOf(args, "--seconds");
    var roundsIndex = Array.IndexOf(args, "--rounds");
    var rowsIndex = Array.IndexOf(args, "--usage-rows");
    await ReadPathLoad.RunAsync(
        TimeSpan.FromSeconds(secondsIndex >= 0 ? int.Parse(args[secondsIndex + 1], CultureInfo.InvariantCulture) : 8),
        roundsIndex >= 0 ? int.Parse(args[roundsIndex + 1], CultureInfo.InvariantCulture) : 2,
        rowsIndex >= 0 ? int.Parse(args[rowsIndex + 1], CultureInfo.InvariantCulture) : 1_000_000);
}

// Not part of the default run: `-- claims [--runs N] [--reservations N]` (runs claimed per second through the workers'
// claim transaction and reserve + settle latency, on SQLite and, when AUTOPACK_TEST_POSTGRES is set, PostgreSQL).
if (sections.Contains("claims"))
{
    var runsIndex = Array.IndexOf(args, "--runs");
    var reservationsIndex = Array.IndexOf(args, "--reservations");
    await QueueClaims.RunAsync(
        runsIndex >= 0 ? int.Parse(args[runsIndex + 1], CultureInfo.InvariantCulture) : 2000,
        reservationsIndex >= 0 ? int.Parse(args[reservationsIndex + 1], CultureInfo.InvariantCulture) : 800);
}

static void Report(string name, IReadOnlyList<double> values)
{
    var sorted = values.Order().ToArray();
    double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: n={sorted.Length} median={P(0.5):F1} p90={P(0.9):F1} p99={P(0.99):F1} worst={sorted[^1]:F1} best={sorted[0]:F1}"));
}

namespace Autopack.Bench.Processes
{
    internal static class Timing
    {
        public static double Ms(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
