using Autopack.Testing;

namespace Autopack.Cli.Tests.Backup;

/// <summary>
/// A real <c>autopack backup</c> killed with SIGKILL while it archives leaves its hidden scratch folder (the partial
/// archive; a database copy too when the WAL could not be emptied, ADR-035); the next backup into that folder, or
/// <c>autopack db cleanup</c>, removes it.
/// </summary>
public sealed class KilledBackupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly Dictionary<string, string?> Environment = [];

    [Test, CancelAfter(300_000)]
    public async Task Backup_AfterABackupWasKilled_RemovesTheKilledOnesScratchFolder()
    {
        using var home = new TempDirectory("autopack-killed-backup");
        var scratch = await KillABackupWhileItArchivesAsync(home);

        var again = await AutopackProcess.RunAsync(home.Path, Environment, Timeout, "backup", "--output", "backups/autopack-backup-20261125-030000.tar.gz");

        Assert.That(again.ExitCode, Is.Zero, again.Error);
        Assert.That(Directory.Exists(scratch), Is.False, "the killed backup's scratch folder is gone");
        Assert.That(again.Error, Does.Contain($"warning: removed {scratch}"));
        Assert.That(
            Directory.GetFileSystemEntries(home.Combine("backups")).Select(Path.GetFileName),
            Is.EqualTo(new[] { "autopack-backup-20261125-030000.tar.gz" }));
    }

    [Test, CancelAfter(300_000)]
    public async Task DbCleanup_AfterABackupWasKilled_RemovesOnlyTheStaleScratchFolder()
    {
        using var home = new TempDirectory("autopack-killed-cleanup");
        var scratch = await KillABackupWhileItArchivesAsync(home);
        var unrelated = home.Combine("backups", ".notes.tmp");
        Directory.CreateDirectory(unrelated);

        var cleanup = await AutopackProcess.RunAsync(home.Path, new Dictionary<string, string?> { ["AUTOPACK_BACKUP_DIR"] = "backups" }, Timeout, "db", "cleanup");

        Assert.That(cleanup.ExitCode, Is.Zero, cleanup.Error);
        Assert.That(cleanup.Output, Does.Contain("stale backup scratch folders removed: 1").And.Contain(scratch));
        Assert.That(Directory.Exists(scratch), Is.False);
        Assert.That(Directory.Exists(unrelated), Is.True, "a hidden folder autopack did not make is not touched");
    }

    private static bool ArchiveHasBytes(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && file.Length > 0;
    }

    /// <summary>Starts a backup of a database plus a large incompressible artifact and kills it once its partial archive holds bytes.</summary>
    private static async Task<string> KillABackupWhileItArchivesAsync(TempDirectory home)
    {
        var migrate = await AutopackProcess.RunAsync(home.Path, Environment, Timeout, "db", "migrate");
        Assert.That(migrate.ExitCode, Is.Zero, migrate.Error);
        var artifact = home.Combine(".autonomous_runs", "run-1", "workspace", "artifact.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        var bytes = new byte[256 * 1024 * 1024];
        new Random(13).NextBytes(bytes);
        await File.WriteAllBytesAsync(artifact, bytes);
        var backups = home.Combine("backups");
        Directory.CreateDirectory(backups);

        using var backup = AutopackProcess.Start(home.Path, Environment, "backup", "--output", "backups/autopack-backup-20261125-020000.tar.gz");
        string? scratch = null;
        while (scratch is null && !backup.HasExited)
        {
            scratch = Directory.GetDirectories(backups, ".*.tmp").FirstOrDefault(d => ArchiveHasBytes(Path.Combine(d, "archive.partial")));
            await Task.Delay(5);
        }

        Assert.That(scratch, Is.Not.Null, $"the backup ended before it could be killed: {backup.Output} {backup.Error}");
        backup.Kill();
        Assert.That(await backup.WaitForExitAsync(Timeout), Is.True);
        Assert.That(new FileInfo(Path.Combine(scratch!, "archive.partial")).Length, Is.GreaterThan(0), "the killed backup left its partial archive behind");
        return scratch!;
    }
}
