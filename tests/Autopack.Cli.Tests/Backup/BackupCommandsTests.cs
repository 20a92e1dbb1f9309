using System.Text.RegularExpressions;

namespace Autopack.Cli.Tests.Backup;

/// <summary><c>autopack backup</c>, <c>backup prune</c> and <c>restore</c> in-process, against autopack.json settings.</summary>
public sealed partial class BackupCommandsTests
{
    [Test]
    public async Task Backup_WithoutOutput_WritesTheDefaultNameInTheWorkingFolderWithOneSummaryLine()
    {
        using var cli = new CliHarness();
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "create", "--file", CliHarness.ExamplePlan);
        cli.WriteFile(Path.Combine("runtime", "demo-1", "executor.log"), "phase demo-1-p1 EXECUTING\n");

        var result = await cli.RunOkAsync("backup");

        var written = Directory.GetFiles(cli.WorkingDirectory, "autopack-backup-*.tar.gz").Select(Path.GetFileName).ToList();
        Assert.That(written, Has.Count.EqualTo(1));
        Assert.That(written[0], Does.Match(@"^autopack-backup-\d{8}-\d{6}\.tar\.gz$"));
        Assert.That(result.OutputLines, Has.Length.EqualTo(1), "cron-friendly: one summary line");
        Assert.That(result.OutputLines[0], Does.StartWith($"backup {Path.Combine(cli.WorkingDirectory, written[0]!)}: ").And.Contain("(2 files"));
        Assert.That(result.Error, Is.Empty);
    }

    [Test]
    public async Task Restore_OverAnInstallationWithRuns_RefusedInOneLineUnlessForced()
    {
        using var cli = new CliHarness();
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "create", "--file", CliHarness.ExamplePlan);
        await cli.RunOkAsync("backup", "--output", "backups/b.tar.gz");

        var refused = await cli.RunAsync("restore", "--input", "backups/b.tar.gz");
        var forced = await cli.RunAsync("restore", "--input", "backups/b.tar.gz", "--force");

        Assert.That(refused.ExitCode, Is.EqualTo(1));
        Assert.That(refused.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(refused.ErrorLines[0], Does.StartWith("error: ").And.Contain("already holds 1 run(s); pass --force"));
        Assert.That(refused.Output, Is.Empty);
        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
        Assert.That(forced.OutputLines.Single(), Does.Contain("previous database kept as").And.Contain("cli.db.replaced-"));
        Assert.That(cli.Count("runs"), Is.EqualTo(1));
    }

    [Test]
    public async Task Restore_ArchiveThatIsNotABackup_RefusedInOneLine()
    {
        using var cli = new CliHarness();
        await cli.RunOkAsync("db", "migrate");
        var bogus = cli.WriteFile("bogus.tar.gz", "not an archive");

        var result = await cli.RunAsync("restore", "--input", bogus);

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.ErrorLines[0], Does.StartWith($"error: {bogus} is damaged or truncated: "));
    }

    [Test]
    public async Task Prune_DryRun_ListsDecisionsAndDeletesNothing()
    {
        using var cli = new CliHarness();
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("backup", "--output", "backups/seed.tar.gz");
        var seed = await File.ReadAllBytesAsync(Path.Combine(cli.WorkingDirectory, "backups", "seed.tar.gz"));
        File.Delete(Path.Combine(cli.WorkingDirectory, "backups", "seed.tar.gz"));
        foreach (var name in new[] { "autopack-backup-20200101-020000.tar.gz", "autopack-backup-20200102-020000.tar.gz" })
        {
            await File.WriteAllBytesAsync(Path.Combine(cli.WorkingDirectory, "backups", name), seed);
        }

        cli.WriteFile(Path.Combine("backups", "notes.txt"), "mine");

        var dry = await cli.RunOkAsync("backup", "prune", "--dir", "backups", "--dry-run");
        var files = Directory.GetFiles(Path.Combine(cli.WorkingDirectory, "backups")).Length;
        var real = await cli.RunOkAsync("backup", "prune", "--dir", "backups");

        Assert.That(dry.OutputLines, Is.EqualTo(new[]
        {
            "keep         autopack-backup-20200102-020000.tar.gz  (newest)",
            "would delete autopack-backup-20200101-020000.tar.gz",
            "ignore       notes.txt  (not an autopack backup)",
            $"would prune 1 of 2 backups in {Path.Combine(cli.WorkingDirectory, "backups")}; kept 1",
        }));
        Assert.That(files, Is.EqualTo(3));
        Assert.That(real.OutputLines.Single(), Does.StartWith("pruned 1 of 2 backups"));
        Assert.That(Directory.GetFiles(Path.Combine(cli.WorkingDirectory, "backups")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "autopack-backup-20200102-020000.tar.gz", "notes.txt" }));
    }

    [Test]
    public async Task BackupThenRestore_BuildHistoryElsewhere_FollowsAutopackBuildHistoryOnBothSides()
    {
        using var laptop = new CliHarness(new Dictionary<string, object> { ["AUTOPACK_BUILD_HISTORY"] = "ledger/HISTORY.md" });
        using var desktop = new CliHarness(new Dictionary<string, object> { ["AUTOPACK_BUILD_HISTORY"] = "notes/history.md" });
        await laptop.RunOkAsync("db", "migrate");
        laptop.WriteFile(Path.Combine("ledger", "HISTORY.md"), "# Build history\n\n## demo-1\n");
        var archive = Path.Combine(laptop.WorkingDirectory, "b.tar.gz");

        var backup = await laptop.RunOkAsync("backup", "--output", archive);
        var restore = await desktop.RunOkAsync("restore", "--input", archive);

        Assert.That(backup.OutputLines.Single(), Does.Contain("(2 files"));
        Assert.That(restore.OutputLines.Single(), Does.Contain("BUILD_HISTORY.md"));
        Assert.That(File.ReadAllText(Path.Combine(desktop.WorkingDirectory, "notes", "history.md")), Is.EqualTo("# Build history\n\n## demo-1\n"));
    }

    [Test]
    public async Task Prune_NegativeCount_RefusedWithExitCode2()
    {
        using var cli = new CliHarness();
        Directory.CreateDirectory(Path.Combine(cli.WorkingDirectory, "backups"));

        var result = await cli.RunAsync("backup", "prune", "--dir", "backups", "--weekly", "-1");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { "error: --weekly must be 0 or more, got -1" }));
    }

    [Test]
    public async Task Backup_NoDatabase_RefusedWithoutCreatingOne()
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("backup", "--output", "b.tar.gz");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines.Single(), Does.Match(NoDatabase()));
        Assert.That(File.Exists(cli.DatabasePath), Is.False);
        Assert.That(File.Exists(Path.Combine(cli.WorkingDirectory, "b.tar.gz")), Is.False);
    }

    [Test]
    public async Task Help_BackupAndRestore_DescribeTheirOptions()
    {
        using var cli = new CliHarness();

        var backup = await cli.RunOkAsync("backup", "--help");
        var restore = await cli.RunOkAsync("restore", "--help");

        Assert.That(backup.Output, Does.Contain("--output").And.Contain("prune"));
        Assert.That(restore.Output, Does.Contain("--input").And.Contain("--force"));
    }

    [GeneratedRegex(@"^error: no database at .*cli\.db: nothing to back up$")]
    private static partial Regex NoDatabase();
}
