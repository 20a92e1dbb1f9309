using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

/// <summary>The retention rules on synthetic calendars, without files.</summary>
public sealed class RetentionPolicyTests
{
    // Wednesday 25 November 2026; its ISO week runs Monday 23 to Sunday 29.
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0);

    [Test]
    public void Apply_DailyBackupsForMoreThanAYear_KeepsSevenDaysFourWeeksSixMonths()
    {
        var backups = Daily(new DateTime(2025, 10, 1, 2, 0, 0), Now);

        var plan = new RetentionPolicy().Apply(backups, Now);

        var expected = new[]
        {
            "2026-11-25", "2026-11-24", "2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19", // daily
            "2026-11-15", "2026-11-08", // weekly: the Sundays ending the two weeks before last week
            "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30", // monthly: last day of each month
        };
        Assert.That(plan.Keep.Select(k => k.File.Time.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(expected));
        Assert.That(plan.Delete, Has.Count.EqualTo(backups.Count - expected.Length));
        Assert.That(plan.Keep.Select(k => k.Reason), Has.Member("weekly 2026-W46").And.Member("monthly 2026-06").And.Member("daily 2026-11-19"));
    }

    [Test]
    public void Apply_SeveralBackupsADay_KeepsTheNewestOfEachDay()
    {
        var backups = new[]
        {
            Backup(new DateTime(2026, 11, 25, 2, 0, 0)), Backup(new DateTime(2026, 11, 25, 11, 0, 0)),
            Backup(new DateTime(2026, 11, 24, 2, 0, 0)), Backup(new DateTime(2026, 11, 24, 23, 59, 59)),
        };

        var plan = new RetentionPolicy(Daily: 7, Weekly: 0, Monthly: 0).Apply(backups, Now);

        Assert.That(plan.Keep.Select(k => k.File), Is.EqualTo(new[] { backups[1], backups[3] }));
        Assert.That(plan.Delete, Is.EquivalentTo(new[] { backups[0], backups[2] }));
    }

    [Test]
    public void Apply_ScheduleStoppedLongAgo_StillKeepsTheNewest()
    {
        var backups = Daily(new DateTime(2024, 1, 1, 2, 0, 0), new DateTime(2024, 3, 1));

        var plan = new RetentionPolicy().Apply(backups, Now);

        Assert.That(plan.Keep, Has.Count.EqualTo(1));
        Assert.That(plan.Keep[0].File.Time, Is.EqualTo(new DateTime(2024, 2, 29, 2, 0, 0)));
        Assert.That(plan.Keep[0].Reason, Is.EqualTo("newest"));
    }

    [Test]
    public void Apply_BackupDatedAfterNow_IsKept()
    {
        var future = Backup(Now.AddDays(3));
        var backups = new[] { future, Backup(Now.AddDays(4)), Backup(Now.AddDays(-400)) };

        var plan = new RetentionPolicy().Apply(backups, Now);

        Assert.That(plan.Keep.Select(k => k.File), Is.EquivalentTo(new[] { future, backups[1] }));
        Assert.That(plan.Delete, Is.EqualTo(new[] { backups[2] }));
    }

    [Test]
    public void Apply_ZeroEverywhere_KeepsOnlyTheNewest()
    {
        var backups = Daily(new DateTime(2026, 11, 1, 2, 0, 0), Now);

        var plan = new RetentionPolicy(0, 0, 0).Apply(backups, Now);

        Assert.That(plan.Keep.Select(k => k.File.Time), Is.EqualTo(new[] { new DateTime(2026, 11, 25, 2, 0, 0) }));
    }

    [Test]
    public void Apply_NoBackups_KeepsAndDeletesNothing()
    {
        var plan = new RetentionPolicy().Apply([], Now);

        Assert.That(plan.Keep, Is.Empty);
        Assert.That(plan.Delete, Is.Empty);
    }

    internal static List<BackupFile> Daily(DateTime first, DateTime until)
    {
        var backups = new List<BackupFile>();
        for (var time = first; time <= until; time = time.AddDays(1))
        {
            backups.Add(Backup(time));
        }

        return backups;
    }

    private static BackupFile Backup(DateTime time) => new($"/backups/{BackupFileName.Format(time)}", time);
}
