using System.Diagnostics;
using System.Globalization;
using Autopack.Bench.Startup;
using Autopack.Domain.Settings;
using Autopack.Testing;

// Start-up side by side with a bare console program, both published the same way (Release): autopack as the README
// publishes it (the native front, ADR-045, with the managed program beside it as autopack-managed), the bare program
// ReadyToRun. When the front is there, the managed program's execute is timed in the same rounds too.
//   dotnet run -c Release --project bench/Autopack.Bench.Startup [-- --rounds 10]
// Publishes both into a temporary folder first (a few minutes); --autopack DIR --bare DIR reuse published copies.
var rounds = Option("--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 10;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, load {File.ReadAllText("/proc/loadavg").Trim()}");

using var scratch = new TempDirectory("autopack-startup");
var root = RepositoryRoot.Path;
var autopack = Option("--autopack") ?? await Publish(Path.Combine(root, "src", "Autopack.Cli"), scratch.Combine("autopack"));
var bare = Option("--bare") ?? await Publish(Path.Combine(root, "bench", "Autopack.Bench.BareConsole"), scratch.Combine("bare"));
Console.WriteLine($"autopack: {Describe(autopack)}");
var installation = new OfflineInstallation(scratch.Combine("installation"), Path.Combine(autopack, "autopack"));
await installation.MigrateAsync();
var managed = PublishedLayout.HoldsFront(autopack) ? Path.Combine(autopack, PublishedLayout.Managed) : null;

var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
void Add(string name, double ms) => (samples.TryGetValue(name, out var list) ? list : samples[name] = []).Add(ms);
for (var round = 0; round < rounds + 1; round++)
{
    // Round 0 warms the page cache for both programs and is not counted.
    var bareMs = await Timed.RunAsync(Path.Combine(bare, "Autopack.Bench.BareConsole"), [], null);
    var helpMs = await Timed.RunAsync(installation.Autopack, ["--help"], installation.Environment);
    var versionMs = await Timed.RunAsync(installation.Autopack, ["db", "version"], installation.Environment);
    var runMs = await installation.OnePhaseRunAsync($"startup-{round}", installation.Autopack);
    var managedRunMs = managed is null ? (double?)null : await installation.OnePhaseRunAsync($"startup-managed-{round}", managed);
    var managedVersionMs = managed is null ? (double?)null : await Timed.RunAsync(managed, ["db", "version"], installation.Environment);
    if (round > 0)
    {
        Add("bare console program", bareMs);
        Add("autopack --help", helpMs);
        Add("autopack db version", versionMs);
        Add("autopack execute: one-phase offline run, start to exit", runMs);
        if (managedRunMs is { } ms && managedVersionMs is { } managedVersion)
        {
            Add("autopack-managed db version (no hand-off)", managedVersion);
            Add("autopack-managed execute (ReadyToRun, no front): the same run", ms);
        }
    }
}

var floor = Median(samples["bare console program"]);
foreach (var (name, values) in samples)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: median {Median(values):F0} ms (best {values.Min():F0}, worst {values.Max():F0}, n={values.Count}) = {Median(values) / floor:F1}x the bare program"));
}

static async Task<string> Publish(string project, string output)
{
    Console.WriteLine($"publishing {Path.GetFileName(project)} (Release, as the README does) ...");
    return await DotnetPublish.RunAsync(project, output, "-c", "Release");
}

// The published autopack is the native front when a C toolchain compiled it (ADR-045), else the managed program.
static string Describe(string folder) =>
    PublishedLayout.HoldsFront(folder)
        ? $"the native front ({new FileInfo(Path.Combine(folder, PublishedLayout.Front)).Length / 1_000_000} MB), other commands handed to {PublishedLayout.Managed}"
        : "the managed program (ReadyToRun); no native front was compiled";

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

namespace Autopack.Bench.Startup
{
    /// <summary>Runs a program to its exit and returns the wall time from start to exit; a non-zero exit fails the bench.</summary>
    internal static class Timed
    {
        public static async Task<double> RunAsync(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }

            var began = Stopwatch.GetTimestamp();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var elapsed = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
            }

            LastOutput = await output;
            return elapsed;
        }

        public static string LastOutput { get; private set; } = string.Empty;
    }
}
