using Autopack.Api.Backup;
using Autopack.Api.Hosting;
using Autopack.Domain.Settings;
using Autopack.Storage;
using Autopack.Storage.Backup;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Backup;

public sealed class ScheduledBackupServiceTests
{
    [Test, CancelAfter(30_000)]
    public async Task ExecuteAsync_AtEachOccurrence_BacksUpAndPrunes(CancellationToken cancellationToken)
    {
        using var source = new TestDatabase();
        using var folder = new TempDirectory("autopack-scheduled");
        var clock = new TimerCountingTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 59, 0, TimeSpan.Zero));
        var old = Path.Combine(folder.Path, "autopack-backup-20250101-020000.tar.gz");
        await new BackupWriter(source.Database, TimeProvider.System).WriteAsync(new BackupSources(source.RunsDirectory, null), old, cancellationToken: cancellationToken);
        File.WriteAllText(Path.Combine(folder.Path, "notes.txt"), "not a backup");
        var options = new ScheduledBackupOptions(
            ScheduledBackupOptions.ParseCron("0 2 * * *"), folder.Path, source.Database.FullPath, source.RunsDirectory, null, new RetentionPolicy());
        using var service = new ScheduledBackupService(options, clock, NullLogger<ScheduledBackupService>.Instance);

        await service.StartAsync(cancellationToken);
        try
        {
            await WaitUntil(() => clock.TimersCreated == 1, cancellationToken);
            Assert.That(Directory.GetFiles(folder.Path, "autopack-backup-2026*"), Is.Empty, "nothing before 02:00");

            clock.Advance(TimeSpan.FromMinutes(1));
            var first = Path.Combine(folder.Path, "autopack-backup-20261125-020000.tar.gz");
            await WaitUntil(() => !File.Exists(old) && clock.TimersCreated == 2, cancellationToken);
            Assert.That(File.Exists(first), Is.True);

            clock.Advance(TimeSpan.FromDays(1));
            await WaitUntil(() => File.Exists(Path.Combine(folder.Path, "autopack-backup-20261126-020000.tar.gz")) && clock.TimersCreated == 3, cancellationToken);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.That(
            Directory.GetFiles(folder.Path).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "autopack-backup-20261125-020000.tar.gz", "autopack-backup-20261126-020000.tar.gz", "notes.txt" }),
            "the 2025 backup was pruned after the first scheduled one; the foreign file stays");
        Assert.That(source.Scalar("SELECT count(*) FROM events WHERE kind = 'backup'"), Is.EqualTo(3));
        Assert.That(BackupArchiveReader.LooksLikeBackup(Path.Combine(folder.Path, "autopack-backup-20261126-020000.tar.gz")), Is.True);
    }

    [Test]
    public async Task RunOnceAsync_DatabaseMissing_RecordsNothingAndKeepsTheSchedule()
    {
        using var folder = new TempDirectory("autopack-scheduled");
        var options = new ScheduledBackupOptions(
            ScheduledBackupOptions.ParseCron("0 2 * * *"), folder.Path, Path.Combine(folder.Path, "missing.db"), folder.Combine("runs"), null, new RetentionPolicy());
        using var service = new ScheduledBackupService(options, new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero)), NullLogger<ScheduledBackupService>.Instance);

        var result = await service.RunOnceAsync(CancellationToken.None);

        Assert.That(result, Is.Null, "a failed backup is logged, not thrown");
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty);
    }

    [Test]
    public void AddScheduledBackups_CronSet_RegistersTheHostedService()
    {
        var services = new ServiceCollection().AddScheduledBackups(new ApiSettings { BackupCron = "0 2 * * *" }, new StorageSettings(), "/srv/autopack");

        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType);
        var options = (ScheduledBackupOptions)services.Single(d => d.ServiceType == typeof(ScheduledBackupOptions)).ImplementationInstance!;
        Assert.That(hosted, Is.EqualTo(new[] { typeof(ScheduledBackupService) }));
        Assert.That(options.BackupDirectory, Is.EqualTo("/srv/autopack/backups"));
        Assert.That(options.DatabasePath, Is.EqualTo("/srv/autopack/autopack.db"));
    }

    [Test]
    public void AddScheduledBackups_NoCron_RegistersNothing()
    {
        var services = new ServiceCollection().AddScheduledBackups(new ApiSettings(), new StorageSettings());

        Assert.That(services, Is.Empty);
    }

    [Test]
    public async Task AddScheduledBackups_SettingsFromTheContainer_ReadsTheScheduleWhenResolved()
    {
        using var folder = new TempDirectory("autopack-scheduled");
        var clock = new TimerCountingTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 59, 0, TimeSpan.Zero));
        var scheduled = Container(new ApiSettings { BackupCron = "0 2 * * *" }, folder.Path, clock);
        var unscheduled = Container(new ApiSettings(), folder.Path);
        var broken = Container(new ApiSettings { BackupCron = "at two" }, folder.Path);

        var service = (ScheduledBackupService)scheduled.GetServices<IHostedService>().Single();
        var idle = (ScheduledBackupService)unscheduled.GetServices<IHostedService>().Single();
        await service.StartAsync(CancellationToken.None);
        await idle.StartAsync(CancellationToken.None);
        var finished = await Task.WhenAny(idle.ExecuteTask!, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.That(await Eventually.TrueAsync(() => clock.TimersCreated == 1, TimeSpan.FromSeconds(10)), Is.True, "a schedule: the service waits on its clock for 02:00");
        Assert.That(service.ExecuteTask!.IsCompleted, Is.False, "and is still waiting");
        Assert.That(finished, Is.SameAs(idle.ExecuteTask), "no schedule: the service ends at once");
        Assert.That(await idle.RunOnceAsync(CancellationToken.None), Is.Null);
        Assert.That(() => broken.GetServices<IHostedService>().ToList(), Throws.TypeOf<SettingsException>().With.Property(nameof(SettingsException.Setting)).EqualTo("AUTOPACK_BACKUP_CRON"));
        await service.StopAsync(CancellationToken.None);
        await idle.StopAsync(CancellationToken.None);
    }

    [TestCase("every night")]
    [TestCase("61 2 * * *")]
    public void AddScheduledBackups_BadCron_StopsStartUpNamingTheSetting(string cron)
    {
        var failure = Assert.Throws<SettingsException>(() => new ServiceCollection().AddScheduledBackups(new ApiSettings { BackupCron = cron }, new StorageSettings()));

        Assert.That(failure!.Setting, Is.EqualTo("AUTOPACK_BACKUP_CRON"));
    }

    [TestCase("postgresql://autopack@db.internal:5432/autopack")]
    [TestCase("Host=db.internal;Database=autopack")]
    public void AddScheduledBackups_CronWithPostgresDatabase_StopsStartUpNamingTheCronAndPgDump(string database)
    {
        var failure = Assert.Throws<SettingsException>(() => new ServiceCollection().AddScheduledBackups(
            new ApiSettings { BackupCron = "0 2 * * *" }, new StorageSettings { DatabasePath = database }, "/srv/autopack"));

        Assert.Multiple(() =>
        {
            Assert.That(failure!.Setting, Is.EqualTo("AUTOPACK_BACKUP_CRON"));
            Assert.That(failure.Message, Does.Contain("AUTOPACK_DB names a PostgreSQL one").And.Contain("pg_dump --format=custom"));
        });
    }

    [Test]
    public void ParseCron_SixFields_ReadsSeconds()
    {
        var cron = ScheduledBackupOptions.ParseCron("30 0 2 * * *");

        Assert.That(cron.GetNextOccurrence(new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc)), Is.EqualTo(new DateTime(2026, 11, 25, 2, 0, 30, DateTimeKind.Utc)));
    }

    private static ServiceProvider Container(ApiSettings settings, string workingDirectory, TimeProvider? time = null) =>
        new ServiceCollection()
            .AddSingleton(time ?? TimeProvider.System)
            .AddSingleton(settings)
            .AddSingleton(new StorageSettings())
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddScheduledBackups(workingDirectory)
            .BuildServiceProvider();

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
