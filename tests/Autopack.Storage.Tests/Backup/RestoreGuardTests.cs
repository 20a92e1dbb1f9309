using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Autopack.Storage.Queue;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Backup;

public sealed class RestoreGuardTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    [Test]
    public async Task Restore_WhileAnExecutorHoldsAFreshLease_RefusedAndDatabaseUntouched()
    {
        using var source = new TestDatabase();
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var installed = new TestDatabase();
        await new ExecutorLeases(installed.Database, TimeProvider.System).TryAcquireAsync("run-live", "owner-1", 4242, "desk", StaleAfter);
        var before = BackupTestFiles.DatabaseFingerprint(installed.Database);

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() => Restore(archive, installed, force: true));

        Assert.That(refusal!.Message, Does.Contain("an executor is running: run run-live (pid 4242 on desk"));
        Assert.That(BackupTestFiles.DatabaseFingerprint(installed.Database), Is.EqualTo(before));
    }

    [Test]
    public async Task Restore_WhileAWorkerIsAlive_RefusedAndDatabaseUntouched()
    {
        using var source = new TestDatabase();
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var installed = new TestDatabase();
        await new WorkerRegistry(installed.Database, TimeProvider.System).RegisterAsync(new WorkerRegistration("w-live", "desk", 5151, 2));
        var before = BackupTestFiles.DatabaseFingerprint(installed.Database);

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() => Restore(archive, installed, force: true));

        Assert.That(refusal!.Message, Does.Contain("a worker is running: w-live (pid 5151 on desk"));
        Assert.That(BackupTestFiles.DatabaseFingerprint(installed.Database), Is.EqualTo(before));
    }

    [Test]
    public async Task Restore_LeaseOfADeadExecutor_Allowed()
    {
        using var source = new TestDatabase();
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var installed = new TestDatabase();
        var longAgo = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(-5));
        await new ExecutorLeases(installed.Database, longAgo).TryAcquireAsync("run-dead", "owner-1", 4242, "desk", StaleAfter);

        var result = await Restore(archive, installed, force: false);

        Assert.That(result.ReplacedDatabasePath, Is.Not.Null);
    }

    [Test]
    public async Task Restore_OverAnInstallationWithRuns_RefusedWithoutForce()
    {
        using var source = new TestDatabase();
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var installed = new TestDatabase();
        await installed.CreateRunAsync(new PlanBuilder("run-mine").Phase("p1").Build());
        var before = BackupTestFiles.DatabaseFingerprint(installed.Database);

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() => Restore(archive, installed, force: false));

        Assert.That(refusal!.Message, Does.Contain("already holds 1 run(s); pass --force to replace it"));
        Assert.That(BackupTestFiles.DatabaseFingerprint(installed.Database), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(installed.FolderPath), Is.EqualTo(new[] { installed.Database.FullPath }));
    }

    [Test]
    public async Task Restore_WithForce_KeepsTheReplacedDatabaseBesideItByteIdentical()
    {
        using var source = new TestDatabase();
        await source.CreateRunAsync(new PlanBuilder("run-from-backup").Phase("p1").Build());
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var installed = new TestDatabase();
        await installed.CreateRunAsync(new PlanBuilder("run-mine").Phase("p1").Build());
        var before = BackupTestFiles.DatabaseFingerprint(installed.Database);

        var result = await Restore(archive, installed, force: true);

        Assert.Multiple(() =>
        {
            Assert.That(result.ReplacedDatabasePath, Does.Match(@"autopack\.db\.replaced-\d{8}-\d{6}$"));
            Assert.That(BackupTestFiles.Sha256(result.ReplacedDatabasePath!), Is.EqualTo(before), "the replaced database, checkpointed, kept whole");
            Assert.That(installed.Scalar("SELECT count(*) FROM runs WHERE run_id = 'run-from-backup'"), Is.EqualTo(1));
            Assert.That(installed.Scalar("SELECT count(*) FROM runs WHERE run_id = 'run-mine'"), Is.Zero);
            Assert.That(new DatabaseMigrator(installed.Database).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
            Assert.That(installed.Scalar("SELECT count(*) FROM events WHERE kind = 'restore' AND message LIKE '%previous database kept as%'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Restore_BackupOfAnOlderSchema_MigratedForward()
    {
        const long older = 202611251710;
        using var source = new TestDatabase();
        new DatabaseMigrator(source.Database).MigrateDown(older);

        // Written as that schema's own SQL: today's EF model has columns the older schema lacks.
        source.Scalar("""
            INSERT INTO runs (run_id, status, goal, token_cap, created_at) VALUES ('run-old', 'QUEUED', 'g', 1000, '2026-11-25T17:10:00.000Z');
            INSERT INTO tiers (run_id, name, position) VALUES ('run-old', 't', 0);
            INSERT INTO phases (phase_id, run_id, tier_id, phase_name, position, goal, provider, status, token_cap, max_attempts, created_at)
              VALUES ('p1', 'run-old', last_insert_rowid(), 'p1', 1, 'g', 'offline', 'QUEUED', 500, 3, '2026-11-25T17:10:00.000Z');
            SELECT 0
            """);
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var fresh = new TempDirectory("autopack-restore-fresh");
        var target = BackupTestFiles.TargetIn(fresh.Path);

        var result = await new BackupRestorer(TimeProvider.System).RestoreAsync(archive, target, new RestoreOptions(false, StaleAfter));

        var restored = new SqliteDatabase(target.DatabasePath);
        Assert.Multiple(() =>
        {
            Assert.That(result.BackupSchemaVersion, Is.EqualTo(older));
            Assert.That(result.SchemaVersion, Is.EqualTo(DatabaseMigrator.LatestVersion));
            Assert.That(new DatabaseMigrator(restored).GetVersions().UpToDate, Is.True);
            Assert.That(Sql.Scalar(restored, "SELECT count(*) FROM executor_leases"), Is.Zero, "tables of the newer migrations exist");
            Assert.That(Sql.Scalar(restored, "SELECT count(*) FROM runs WHERE run_id = 'run-old'"), Is.EqualTo(1));
            Assert.That(Sql.Scalar(restored, "SELECT max_turns FROM phases WHERE phase_id = 'p1'"), Is.EqualTo(30), "the newest columns were added with their defaults");
            Assert.That(new DatabaseMigrator(restored).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
        });
    }

    [Test]
    public async Task Restore_CorruptCurrentDatabaseWithoutForce_RefusedNamingForce()
    {
        using var source = new TestDatabase();
        using var work = new TempDirectory("autopack-restore-guard");
        var archive = await BackupOf(source, work);
        using var fresh = new TempDirectory("autopack-restore-corrupt");
        var target = BackupTestFiles.TargetIn(fresh.Path);
        File.WriteAllText(target.DatabasePath, "not a database, and then some more text to fill a page header......................................");

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() =>
            new BackupRestorer(TimeProvider.System).RestoreAsync(archive, target, new RestoreOptions(false, StaleAfter)));
        var forced = await new BackupRestorer(TimeProvider.System).RestoreAsync(archive, target, new RestoreOptions(true, StaleAfter));

        Assert.That(refusal!.Message, Does.Contain("cannot be read").And.Contain("--force"));
        Assert.That(File.ReadAllText(forced.ReplacedDatabasePath!), Does.StartWith("not a database"));
        Assert.That(new DatabaseMigrator(new SqliteDatabase(target.DatabasePath)).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
    }

    private static async Task<string> BackupOf(TestDatabase source, TempDirectory work)
    {
        var archive = Path.Combine(work.Path, "autopack-backup-20261125-020000.tar.gz");
        await new BackupWriter(source.Database, TimeProvider.System).WriteAsync(new BackupSources(source.RunsDirectory, null), archive);
        return archive;
    }

    private static Task<RestoreResult> Restore(string archive, TestDatabase installed, bool force) =>
        new BackupRestorer(TimeProvider.System).RestoreAsync(
            archive,
            new RestoreTarget(installed.Database.FullPath, installed.RunsDirectory, Path.Combine(installed.FolderPath, "docs", "BUILD_HISTORY.md")),
            new RestoreOptions(force, StaleAfter));
}
