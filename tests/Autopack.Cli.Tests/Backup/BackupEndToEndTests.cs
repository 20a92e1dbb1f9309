using Autopack.Domain.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

namespace Autopack.Cli.Tests.Backup;

/// <summary>The runbook's multi-device sync with the real <c>autopack</c> process: back up on one machine, restore on another.</summary>
public sealed class BackupEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, string?> Environment = [];

    [Test, CancelAfter(120_000)]
    public async Task BackupThenRestore_InAnotherFolder_MovesTheWholeInstallation()
    {
        using var laptop = new TempDirectory("autopack-laptop");
        using var desktop = new TempDirectory("autopack-desktop");
        await Ok(laptop.Path, "db", "migrate");
        var plan = new PlanBuilder("sync-1").Phase("sync-1-p1").Phase("sync-1-p2").Build();
        await new RunStore(new SqliteDatabase(laptop.Combine("autopack.db")), TimeProvider.System)
            .CreateAsync(plan, new CapDefaults(5_000_000, new PhaseCapPolicy(500_000, PhaseCapPolicy.DefaultMultipliers)));
        SqliteConnection.ClearAllPools();
        Directory.CreateDirectory(laptop.Combine(".autonomous_runs", "sync-1"));
        await File.WriteAllTextAsync(laptop.Combine(".autonomous_runs", "sync-1", "executor.log"), "phase sync-1-p1 COMPLETE\n");
        await File.WriteAllTextAsync(laptop.Combine(".autonomous_runs", ".abort_run"), "abort:sync-1\n");
        Directory.CreateDirectory(laptop.Combine("docs"));
        await File.WriteAllTextAsync(laptop.Combine("docs", "BUILD_HISTORY.md"), "# Build history\n");
        var archive = laptop.Combine("backups", "autopack-backup-20261125-020000.tar.gz");

        var backup = await Ok(laptop.Path, "backup", "--output", archive);
        var restore = await Ok(desktop.Path, "restore", "--input", archive);
        var integrity = await Ok(desktop.Path, "db", "integrity");
        var again = await AutopackProcess.RunAsync(desktop.Path, Environment, Timeout, "restore", "--input", archive);
        var prune = await Ok(laptop.Path, "backup", "prune", "--dir", "backups");

        Assert.Multiple(() =>
        {
            Assert.That(backup.Output.Trim(), Does.StartWith($"backup {archive}: ").And.Contain("(3 files"));
            Assert.That(restore.Output.Trim(), Does.StartWith($"restored {desktop.Combine("autopack.db")} from {archive}"));
            Assert.That(integrity.Output.Trim(), Is.EqualTo("ok"));
            Assert.That(again.ExitCode, Is.EqualTo(1));
            Assert.That(again.Error.Trim(), Does.StartWith("error: ").And.Contain("--force").And.Not.Contain("\n"));
            Assert.That(prune.Output.Trim(), Does.StartWith("pruned 0 of 1 backups"));
            Assert.That(File.ReadAllText(desktop.Combine(".autonomous_runs", "sync-1", "executor.log")), Is.EqualTo("phase sync-1-p1 COMPLETE\n"));
            Assert.That(File.Exists(desktop.Combine(".autonomous_runs", ".abort_run")), Is.False);
            Assert.That(File.ReadAllText(desktop.Combine("docs", "BUILD_HISTORY.md")), Is.EqualTo("# Build history\n"));
        });

        var restored = new SqliteDatabase(desktop.Combine("autopack.db"));
        using var connection = restored.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM runs WHERE run_id = 'sync-1') || '/' || (SELECT count(*) FROM phases WHERE run_id = 'sync-1') || '/' || (SELECT count(*) FROM events WHERE kind = 'restore')";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("1/2/1"));
        SqliteConnection.ClearAllPools();
    }

    private static async Task<(int ExitCode, string Output, string Error)> Ok(string folder, params string[] args)
    {
        var result = await AutopackProcess.RunAsync(folder, Environment, Timeout, args);
        Assert.That(result.ExitCode, Is.Zero, $"autopack {string.Join(' ', args)}: {result.Output} {result.Error}");
        return result;
    }
}
