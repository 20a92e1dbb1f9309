using Autopack.Storage.Backup;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Backup;

/// <summary>A backup that fails part-way leaves no file that looks like a backup, and no temp files.</summary>
public sealed class BackupFailureTests
{
    private TestDatabase source = null!;
    private TempDirectory output = null!;

    [SetUp]
    public void SetUp()
    {
        source = new TestDatabase();
        source.SeedUsage("run-0", phases: 10, rows: 2_000);
        var artifact = new byte[6 * 1024 * 1024];
        new Random(7).NextBytes(artifact);
        BackupTestFiles.Write(Path.Combine(source.RunsDirectory, "run-1", "workspace", "build.bin"), artifact);
        BackupTestFiles.Write(Path.Combine(source.RunsDirectory, "run-1", "executor.log"), "phase p1 EXECUTING\n");
        output = new TempDirectory("autopack-backup-fail");
    }

    [TearDown]
    public void TearDown()
    {
        source.Dispose();
        output.Dispose();
    }

    [Test]
    public void WriteAsync_CancelledWhileArchiving_LeavesNoFile()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "archive" && p.Done > 0)
            {
                cancel.Cancel();
            }
        });

        Assert.CatchAsync<OperationCanceledException>(() => Writer().WriteAsync(Sources(), path, progress, cancel.Token));

        Assert.That(Directory.GetFileSystemEntries(output.Path), Is.Empty, "neither the backup nor its temp folder");
    }

    [Test]
    public void WriteAsync_OutputFolderRemovedMidway_FailsAndLeavesNoFile()
    {
        var folder = Path.Combine(output.Path, "backups");
        var path = Path.Combine(folder, "autopack-backup-20261125-020000.tar.gz");
        var removed = false;
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "archive" && !removed)
            {
                removed = true;
                Directory.Delete(folder, recursive: true);
            }
        });

        Assert.CatchAsync<IOException>(() => Writer().WriteAsync(Sources(), path, progress));

        Assert.That(removed, Is.True);
        Assert.That(File.Exists(path), Is.False);
        Assert.That(Directory.Exists(folder), Is.False, "nothing recreated it");
    }

    [Test]
    public void WriteAsync_FileShrinksWhileArchiving_FailsAndLeavesNoFile()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        var log = Path.Combine(source.RunsDirectory, "run-1", "executor.log");
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "archive" && p.Done > 0 && new FileInfo(log).Length > 0)
            {
                File.WriteAllText(log, string.Empty);
            }
        });

        var failure = Assert.CatchAsync<IOException>(() => Writer().WriteAsync(Sources(), path, progress));

        Assert.That(failure!.Message, Does.Contain("executor.log shrank while it was being backed up"));
        Assert.That(Directory.GetFileSystemEntries(output.Path), Is.Empty);
    }

    [Test]
    public void WriteAsync_FileShrinksWhileArchiving_RecordsOneBackupFailedEventWithTheReason()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        var log = Path.Combine(source.RunsDirectory, "run-1", "executor.log");
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "archive" && p.Done > 0 && new FileInfo(log).Length > 0)
            {
                File.WriteAllText(log, string.Empty);
            }
        });

        Assert.CatchAsync<IOException>(() => Writer().WriteAsync(Sources(), path, progress));

        Assert.That(Sql.Scalar(source.Database, "SELECT count(*) FROM events WHERE kind = 'backup_failed'"), Is.EqualTo(1));
        Assert.That(Sql.Scalar(source.Database, "SELECT count(*) FROM events WHERE kind = 'backup'"), Is.Zero);
        Assert.That(
            Sql.Scalar(source.Database, $"SELECT count(*) FROM events WHERE kind = 'backup_failed' AND message LIKE '%{path}%executor.log shrank%'"),
            Is.EqualTo(1),
            "the event names the output and the reason");
    }

    [Test]
    public void WriteAsync_OutputAlreadyExists_RecordsABackupFailedEvent()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        File.WriteAllText(path, "an older backup");

        Assert.ThrowsAsync<BackupRefusedException>(() => Writer().WriteAsync(Sources(), path));

        Assert.That(Sql.Scalar(source.Database, "SELECT count(*) FROM events WHERE kind = 'backup_failed' AND message LIKE '%already exists%'"), Is.EqualTo(1));
    }

    [Test]
    public async Task WriteAsync_FileDeletedWhileArchiving_LeftOutWithAWarningAndTheArchiveRestores()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        var artifact = Path.Combine(source.RunsDirectory, "run-1", "workspace", "build.bin");
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "archive" && File.Exists(artifact))
            {
                File.Delete(artifact);
            }
        });

        var result = await Writer().WriteAsync(Sources(), path, progress);
        using var fresh = new TempDirectory("autopack-restore-after-delete");
        var restored = await new BackupRestorer(TimeProvider.System).RestoreAsync(path, BackupTestFiles.TargetIn(fresh.Path), new RestoreOptions(false, TimeSpan.FromSeconds(15)));

        Assert.That(result.Warnings, Is.EqualTo(new[] { $"left out {artifact}: deleted while the backup ran" }));
        Assert.That(result.Files, Is.EqualTo(2));
        Assert.That(restored.Manifest.Entries.Select(e => e.Path), Is.EqualTo(new[] { "autopack.db", "runs/run-1/executor.log" }));
        Assert.That(File.ReadAllText(Path.Combine(fresh.Path, ".autonomous_runs", "run-1", "executor.log")), Is.EqualTo("phase p1 EXECUTING\n"));
    }

    [Test]
    public void WriteAsync_OutputAlreadyExists_RefusedAndFileKept()
    {
        var path = Path.Combine(output.Path, "autopack-backup-20261125-020000.tar.gz");
        File.WriteAllText(path, "an older backup");

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() => Writer().WriteAsync(Sources(), path));

        Assert.That(refusal!.Message, Does.Contain("already exists"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("an older backup"));
        Assert.That(Directory.GetFileSystemEntries(output.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void WriteAsync_NoDatabase_RefusedWithoutCreatingOne()
    {
        using var empty = new TempDirectory("autopack-backup-nodb");
        var missing = new Autopack.Storage.Database.SqliteDatabase(Path.Combine(empty.Path, "autopack.db"));

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() =>
            new BackupWriter(missing, TimeProvider.System).WriteAsync(Sources(), Path.Combine(output.Path, "x.tar.gz")));

        Assert.That(refusal!.Message, Does.Contain("no database at"));
        Assert.That(Directory.GetFileSystemEntries(empty.Path), Is.Empty);
    }

    [Test]
    public void WriteAsync_DatabaseNeverMigrated_RefusedNamingTheLiveFile()
    {
        using var empty = new TempDirectory("autopack-backup-unmigrated");
        var unmigrated = new Autopack.Storage.Database.SqliteDatabase(Path.Combine(empty.Path, "autopack.db"));
        using (var connection = unmigrated.Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes (text TEXT)";
            command.ExecuteNonQuery();
        }

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() =>
            new BackupWriter(unmigrated, TimeProvider.System).WriteAsync(Sources(), Path.Combine(output.Path, "x.tar.gz")));

        Assert.That(refusal!.Message, Does.StartWith($"{unmigrated.FullPath} has no schema version"));
        Assert.That(Directory.GetFileSystemEntries(output.Path), Is.Empty);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private BackupWriter Writer() => new(source.Database, TimeProvider.System);

    private BackupSources Sources() => new(source.RunsDirectory, null);
}
