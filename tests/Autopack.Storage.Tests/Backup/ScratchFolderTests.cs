using System.Diagnostics;
using Autopack.Storage.Backup;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Backup;

/// <summary>Which hidden scratch folders count as stale: only those of processes no longer running, or ownerless and old.</summary>
public sealed class ScratchFolderTests
{
    [Test]
    public void RemoveStale_OwnerStillRunning_KeepsTheFolder()
    {
        using var folder = new TempDirectory("autopack-scratch");
        var live = folder.Combine($".autopack-backup-20261125-020000.tar.gz.{Guid.NewGuid():N}.tmp");
        ScratchFolder.Create(live);

        var removed = ScratchFolder.RemoveStale([folder.Path], TimeProvider.System);

        Assert.That(removed, Is.Empty);
        Assert.That(Directory.Exists(live), Is.True);
    }

    [Test]
    public void RemoveStale_OwnerExited_RemovesTheFolder()
    {
        using var folder = new TempDirectory("autopack-scratch");
        var stale = folder.Combine($".autopack-restore-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(stale);
        using (var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            exited.WaitForExit();
            File.WriteAllText(Path.Combine(stale, ScratchFolder.OwnerFileName), $"{exited.Id} {Environment.MachineName} 63900000000\n");
        }

        File.WriteAllText(Path.Combine(stale, "autopack.db"), "a copy");

        var removed = ScratchFolder.RemoveStale([folder.Path], TimeProvider.System);

        Assert.That(removed, Is.EqualTo(new[] { stale }));
        Assert.That(Directory.Exists(stale), Is.False);
    }

    [Test]
    public void RemoveStale_PidNowAnotherProcess_RemovesTheFolder()
    {
        using var folder = new TempDirectory("autopack-scratch");
        var stale = folder.Combine($".autopack-backup-x.tar.gz.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, ScratchFolder.OwnerFileName), $"{Environment.ProcessId} {Environment.MachineName} 1\n");

        Assert.That(ScratchFolder.RemoveStale([folder.Path], TimeProvider.System), Is.EqualTo(new[] { stale }), "this pid, but started at another time");
    }

    [Test]
    public void RemoveStale_OwnerlessFolder_RemovedOnlyAfterTheGrace()
    {
        using var folder = new TempDirectory("autopack-scratch");
        var ownerless = folder.Combine($".autopack-restore-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(ownerless);
        var created = Directory.GetLastWriteTimeUtc(ownerless);
        var clock = new FakeTimeProvider(new DateTimeOffset(created, TimeSpan.Zero) + TimeSpan.FromMinutes(10));

        var early = ScratchFolder.RemoveStale([folder.Path], clock);
        clock.Advance(ScratchFolder.OwnerlessGrace);
        var late = ScratchFolder.RemoveStale([folder.Path], clock);

        Assert.That(early, Is.Empty, "it may be a backup that has not written its owner file yet");
        Assert.That(late, Is.EqualTo(new[] { ownerless }));
    }

    [Test]
    public void RemoveStale_OtherHiddenFolders_LeftAlone()
    {
        using var folder = new TempDirectory("autopack-scratch");
        var notes = folder.Combine(".notes.tmp");
        Directory.CreateDirectory(notes);
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromDays(30));

        Assert.That(ScratchFolder.RemoveStale([folder.Path], clock), Is.Empty);
        Assert.That(Directory.Exists(notes), Is.True);
    }
}
