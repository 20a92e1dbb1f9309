using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Autopack.Bench.Backup;
using Autopack.Domain.Settings;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

// Backup and restore throughput on a >= 1 GB database against a plain file copy of it, the backup both as the published
// command (a process) and as the Storage classes in this process. See README.md.
var sizeMb = IntArg(args, "--size-mb", 1100);
var reps = IntArg(args, "--reps", 3);
var investigate = args.Contains("--investigate");
var published = Option(args, "--autopack");
var root = Path.Combine(Path.GetTempPath(), $"autopack-bench-backup-{Guid.NewGuid():N}");
Directory.CreateDirectory(root);
var time = TimeProvider.System;
void Log(string line) => Console.WriteLine(line);

try
{
    // The command operators run (from cron): a published autopack, a process of its own, in the same rounds.
    published ??= await PublishAsync(Path.Combine(root, "autopack"));
    if (!File.Exists(Path.Combine(published, "autopack")))
    {
        throw new InvalidOperationException($"{published} holds no autopack: pass --autopack a folder made by dotnet publish src/Autopack.Cli");
    }

    var commandName = PublishedLayout.HoldsFront(published) ? "the native front" : "the managed program: no front in that folder";
    Log($"command: {Path.Combine(published, "autopack")} ({commandName})");
    var source = Path.Combine(root, "source");
    Directory.CreateDirectory(source);
    var database = new SqliteDatabase(Path.Combine(source, "autopack.db"));
    var build = Stopwatch.StartNew();
    BenchDatabase.Build(database, sizeMb * 1024L * 1024L, Log);
    var runtime = Path.Combine(source, ".autonomous_runs");
    Directory.CreateDirectory(Path.Combine(runtime, "run-000001"));
    File.WriteAllText(Path.Combine(runtime, "run-000001", "executor.log"), string.Concat(Enumerable.Repeat("phase run-000001-p0 EXECUTING builder call 1200 tokens\n", 2000)));
    var bytes = new FileInfo(database.FullPath).Length;
    var mb = bytes / 1024.0 / 1024.0;
    Log($"database: {mb:F0} MB, built in {build.Elapsed.TotalSeconds:F0}s; machine: {Environment.ProcessorCount} cpus, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024 / 1024 / 1024} GB; {reps} repetitions, median");
    Log(string.Empty);
    Log($"load average at start: {LoadAverage()}");
    Log($"{"operation",-40} {"wall s",7} {"MB/s",6} {"cpu s",6}   runs (wall s)");

    // The CPU column is this process's: "-" for a command run as a process of its own.
    void Report(string name, List<double> seconds, string note = "", bool ownCpu = true)
    {
        var median = seconds.Order().ElementAt(seconds.Count / 2);
        var cpu = ownCpu ? LastCpu.Seconds.ToString("F2", CultureInfo.InvariantCulture) : "-";
        Log($"{name,-40} {median,7:F2} {mb / median,6:F0} {cpu,6}   {string.Join(" ", seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} {note}");
    }

    var scratch = Path.Combine(root, "scratch");
    Directory.CreateDirectory(scratch);
    Report("file copy (File.Copy, page cache)", Measure(reps, () => { File.Copy(database.FullPath, Path.Combine(scratch, "copy.db")); }, () => Clear(scratch)));
    Report("file copy + fsync", Measure(reps, () => CopyAndSync(database.FullPath, Path.Combine(scratch, "copy.db")), () => Clear(scratch)));
    Report("snapshot: online backup API", Measure(reps, () => DatabaseSnapshot.TakeAsync(database, Path.Combine(scratch, "snap.db"), SnapshotMethod.OnlineBackup).GetAwaiter().GetResult(), () => Clear(scratch)));
    if (investigate)
    {
        Report("snapshot: VACUUM INTO", Measure(reps, () => DatabaseSnapshot.TakeAsync(database, Path.Combine(scratch, "snap.db"), SnapshotMethod.VacuumInto).GetAwaiter().GetResult(), () => Clear(scratch)));
    }

    var sources = new BackupSources(runtime, null);
    var archives = Path.Combine(root, "archives");
    Directory.CreateDirectory(archives);
    // ISA-L's deflate (when libisal2 is installed) and zlib's side by side; --investigate adds the other levels and inline compression.
    var isal = new Variant(CompressionLevel.Fastest, BackupWriter.DefaultCompressionThreads, Accelerated: true);
    var zlib = isal with { Accelerated = false };
    var variants = investigate
        ? new[] { isal, zlib, zlib with { Threads = 0 }, zlib with { Level = CompressionLevel.Optimal }, zlib with { Level = CompressionLevel.Optimal, Threads = 0 }, zlib with { Level = CompressionLevel.NoCompression } }
        : new[] { isal, zlib };
    // Variants take turns (A B C, A B C, ...), so a neighbour's build slows each of them alike.
    var clocks = variants.ToDictionary(v => v, _ => new StageClock(time));
    var walls = variants.ToDictionary(v => v, _ => new List<double>());
    var cpus = variants.ToDictionary(v => v, _ => new List<double>());
    var sizes = variants.ToDictionary(v => v, _ => 0L);
    var deflates = variants.ToDictionary(v => v, _ => string.Empty);
    var archive = Path.Combine(root, "bench-backup.tar.gz");

    // The reference the backup is held to: the cp and sync commands on the same file, run in turn with the
    // backups (cp+sync, backup A, backup B, ..., cp+sync, ...), so a neighbour's load falls on both alike.
    var copies = new List<double>();
    var commands = new List<double>();
    for (var rep = 0; rep < reps; rep++)
    {
        Clear(scratch);
        copies.AddRange(Measure(1, () => CpThenSync(database.FullPath, Path.Combine(scratch, "cp.db"))));
        foreach (var variant in variants)
        {
            Clear(archives);
            var path = Path.Combine(archives, BackupFileName.Format(new DateTime(2026, 11, 25, 2, 0, 0)));
            BackupResult? result = null;
            var seconds = Measure(1, () =>
            {
                clocks[variant].Start();
                result = new BackupWriter(database, time) { CompressionLevel = variant.Level, CompressionThreads = variant.Threads, AcceleratedDeflate = variant.Accelerated }.WriteAsync(sources, path, clocks[variant]).GetAwaiter().GetResult();
                clocks[variant].Stop();
            });
            walls[variant].Add(seconds[0]);
            cpus[variant].Add(LastCpu.Seconds);
            sizes[variant] = result!.ArchiveBytes;
            deflates[variant] = result.Deflate;
            if (variant == variants[0] && rep == reps - 1)
            {
                File.Move(result.Path, archive);
            }
        }

        Clear(archives);
        commands.AddRange(Measure(1, () => BackupCommand(published, source, Path.Combine(archives, "command.tar.gz"))));
    }

    Clear(scratch);
    Report("cp + sync (the commands, in turn with the backups)", copies, ownCpu: false);
    var copyMedian = copies.Order().ElementAt(copies.Count / 2);
    var commandMedian = commands.Order().ElementAt(reps / 2);
    Log($"  ratio autopack backup (the command, a process): backup speed / (cp + sync) speed = {copyMedian / commandMedian:F2} (medians {commandMedian:F2} s and {copyMedian:F2} s)");
    foreach (var variant in variants)
    {
        var median = walls[variant].Order().ElementAt(reps / 2);
        Log($"  ratio {variant.Describe(deflates[variant])}: backup speed / (cp + sync) speed = {copyMedian / median:F2} (medians {median:F2} s and {copyMedian:F2} s)");
    }

    Report($"autopack backup (the command, {commandName})", commands, ownCpu: false);

    foreach (var variant in variants)
    {
        LastCpu.Seconds = cpus[variant].Order().ElementAt(reps / 2);
        Report(
            $"backup ({variant.Describe(deflates[variant])})",
            walls[variant],
            $"-> {sizes[variant] / 1024.0 / 1024.0:F0} MB archive; stages: {clocks[variant].Summary()}");
    }

    var restoreStages = new StageClock(time);
    var restores = Path.Combine(root, "restores");
    Report("restore (verify, integrity_check, swap)", Measure(reps, () =>
    {
        Clear(restores);
        var target = Path.Combine(restores, Guid.NewGuid().ToString("N"));
        restoreStages.Start();
        new BackupRestorer(time).RestoreAsync(
            archive,
            new RestoreTarget(Path.Combine(target, "autopack.db"), Path.Combine(target, ".autonomous_runs"), Path.Combine(target, "docs", "BUILD_HISTORY.md")),
            new RestoreOptions(false, TimeSpan.FromSeconds(15)),
            restoreStages).GetAwaiter().GetResult();
        restoreStages.Stop();
        SqliteConnection.ClearAllPools();
    }), $"stages: {restoreStages.Summary()}");
    Clear(restores);
    Log($"load average at end: {LoadAverage()}");
}
finally
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(root, recursive: true);
    Log($"deleted {root}");
}

// Wall seconds of each repetition; the CPU seconds this process used are kept beside them, because on a shared
// machine wall time also measures the neighbours.
static List<double> Measure(int reps, Action action, Action? after = null)
{
    var seconds = new List<double>();
    var cpu = new List<double>();
    for (var i = 0; i < reps; i++)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        seconds.Add(watch.Elapsed.TotalSeconds);
        process.Refresh();
        cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
        after?.Invoke();
    }

    LastCpu.Seconds = cpu.Order().ElementAt(cpu.Count / 2);
    return seconds;
}

static void CopyAndSync(string from, string to)
{
    using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
    using var target = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    source.CopyTo(target, 1 << 20);
    target.Flush(flushToDisk: true);
}

static void CpThenSync(string from, string to)
{
    foreach (var (command, arguments) in new[] { ("cp", new[] { from, to }), ("sync", Array.Empty<string>()) })
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} exited with {process.ExitCode}");
        }
    }
}

// `autopack backup --output FILE` run in the installation's folder (autopack.db and .autonomous_runs there), as cron runs
// it: no AUTOPACK_ setting inherited from the bench's environment.
static void BackupCommand(string published, string installation, string output)
{
    var (exitCode, stdout, stderr) = AutopackProcess.RunProgramAsync(
        Path.Combine(published, "autopack"), installation, new Dictionary<string, string?>(), TimeSpan.FromMinutes(10), "backup", "--output", output).GetAwaiter().GetResult();
    if (exitCode != 0)
    {
        throw new InvalidOperationException($"autopack backup exited with {exitCode}: {stderr}{stdout}");
    }
}

static async Task<string> PublishAsync(string output)
{
    Console.WriteLine("publishing src/Autopack.Cli (Release, as the README does; --autopack DIR reuses a published folder) ...");
    return await DotnetPublish.RunAsync(RepositoryRoot.Combine("src", "Autopack.Cli"), output, "-c", "Release");
}

static string? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static void Clear(string folder)
{
    SqliteConnection.ClearAllPools();
    if (Directory.Exists(folder))
    {
        Directory.Delete(folder, recursive: true);
    }

    Directory.CreateDirectory(folder);
}

static int IntArg(string[] args, string name, int fallback) =>
    Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

/// <summary>The median CPU seconds of the last measurement.</summary>
internal static class LastCpu
{
    public static double Seconds { get; set; }
}

internal sealed record Variant(CompressionLevel Level, int Threads, bool Accelerated)
{
    public string Describe(string deflate) => $"{deflate} {Level}, {(Threads == 0 ? "inline" : $"{Threads} compressing")}";
}
