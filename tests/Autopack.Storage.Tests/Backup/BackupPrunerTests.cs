using Autopack.Storage.Backup;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Backup;

/// <summary>Prune on a real folder: only autopack's own backups are ever deleted.</summary>
public sealed class BackupPrunerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Prune_CalendarOfBackupsAmongForeignFiles_KeepsTheExpectedSetAndTouchesNothingElse()
    {
        using var folder = new TempDirectory("autopack-prune");
        var real = await RealBackupBytesAsync(folder);
        foreach (var backup in RetentionPolicyTests.Daily(new DateTime(2026, 5, 1, 2, 0, 0), Now.DateTime))
        {
            File.WriteAllBytes(Path.Combine(folder.Path, Path.GetFileName(backup.Path)), real);
        }

        string[] foreign =
        [
            "notes.txt",
            "pre-upgrade-20260101.tar.gz",                      // a real backup under a name prune does not own
            "autopack-backup-20260102-020000.tar.gz.partial",
            "autopack-backup-20260103-020000.tar.gz",           // our name, but not an archive
            "autopack-backup-2026-01-04.tar.gz",
            ".autopack-backup-20260105-020000.tar.gz.0f0f.tmp",
        ];
        File.WriteAllText(Path.Combine(folder.Path, foreign[0]), "keep me");
        File.WriteAllBytes(Path.Combine(folder.Path, foreign[1]), real);
        File.WriteAllText(Path.Combine(folder.Path, foreign[2]), "half written");
        File.WriteAllText(Path.Combine(folder.Path, foreign[3]), "not gzip");
        File.WriteAllBytes(Path.Combine(folder.Path, foreign[4]), real);
        Directory.CreateDirectory(Path.Combine(folder.Path, foreign[5]));
        Directory.CreateDirectory(Path.Combine(folder.Path, "autopack-backup-20260106-020000.tar.gz"));
        File.CreateSymbolicLink(Path.Combine(folder.Path, "autopack-backup-20260107-020000.tar.gz"), Path.Combine(folder.Path, "autopack-backup-20260501-020000.tar.gz"));

        var result = new BackupPruner(new FakeTimeProvider(Now)).Prune(folder.Path, new RetentionPolicy(), dryRun: false);

        string[] kept =
        [
            "20261125", "20261124", "20261123", "20261122", "20261121", "20261120", "20261119",
            "20261115", "20261108", "20261031", "20260930", "20260831", "20260731", "20260630",
        ];
        var expected = kept.Select(d => $"autopack-backup-{d}-020000.tar.gz")
            .Concat(foreign)
            .Append("autopack-backup-20260106-020000.tar.gz")
            .Append("autopack-backup-20260107-020000.tar.gz");
        Assert.That(Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName), Is.EquivalentTo(expected));
        Assert.That(result.Deleted, Has.Count.EqualTo(209 - kept.Length), "1 May to 25 November is 209 daily backups");
        Assert.That(result.Ignored, Has.Count.EqualTo(foreign.Length + 2));
        Assert.That(File.ReadAllText(Path.Combine(folder.Path, "notes.txt")), Is.EqualTo("keep me"));
    }

    [Test]
    public async Task Prune_DryRun_DeletesNothing()
    {
        using var folder = new TempDirectory("autopack-prune");
        var real = await RealBackupBytesAsync(folder);
        foreach (var day in Enumerable.Range(1, 20))
        {
            File.WriteAllBytes(Path.Combine(folder.Path, $"autopack-backup-202610{day:00}-020000.tar.gz"), real);
        }

        var result = new BackupPruner(new FakeTimeProvider(Now)).Prune(folder.Path, new RetentionPolicy(), dryRun: true);

        Assert.That(result.DryRun, Is.True);
        Assert.That(result.Deleted, Is.Not.Empty);
        Assert.That(Directory.GetFiles(folder.Path), Has.Length.EqualTo(20));
    }

    [Test]
    public void Prune_MissingFolder_Refused()
    {
        var refusal = Assert.Throws<BackupRefusedException>(() =>
            new BackupPruner(new FakeTimeProvider(Now)).Prune("/nonexistent/autopack/backups", new RetentionPolicy(), dryRun: false));

        Assert.That(refusal!.Message, Does.Contain("no backup folder"));
    }

    [TestCase("autopack-backup-20261125-020000.tar.gz", "2026-11-25T02:00:00")]
    [TestCase("autopack-backup-20261125.tar.gz", "2026-11-25T00:00:00")]
    [TestCase("autopack-backup-20261325-020000.tar.gz", null)]
    [TestCase("autopack-backup-20261125-020000.tar.gz.partial", null)]
    [TestCase("xautopack-backup-20261125-020000.tar.gz", null)]
    [TestCase("autopack-backup-20261125-0200.tar.gz", null)]
    public void TryParse_Names_ReadsTheTimeOrRefuses(string name, string? expected)
    {
        var parsed = BackupFileName.TryParse(name, out var time);

        Assert.That(parsed ? time.ToString("s", System.Globalization.CultureInfo.InvariantCulture) : null, Is.EqualTo(expected));
    }

    [Test]
    public void Format_LocalTime_RoundTrips()
    {
        var time = new DateTime(2026, 1, 2, 3, 4, 5);

        Assert.That(BackupFileName.Format(time), Is.EqualTo("autopack-backup-20260102-030405.tar.gz"));
        Assert.That(BackupFileName.TryParse(BackupFileName.Format(time), out var parsed) && parsed == time, Is.True);
    }

    private static async Task<byte[]> RealBackupBytesAsync(TempDirectory folder)
    {
        using var source = new TestDatabase();
        var path = Path.Combine(folder.Path, "..", $"seed-{Guid.NewGuid():N}.tar.gz");
        await new BackupWriter(source.Database, TimeProvider.System).WriteAsync(new BackupSources(source.RunsDirectory, null), path);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    }
}
