using System.Globalization;

namespace Autopack.Storage.Backup;

/// <summary>
/// Grandfather-father-son retention over calendar periods counted back from now, as the runbook says ("keep daily
/// backups for 7 days, weekly for 4 weeks, monthly for 6 months"): the newest backup of each of the last
/// <see cref="Daily"/> days, of each of the last <see cref="Weekly"/> ISO weeks (Monday to Sunday), and of each of
/// the last <see cref="Monthly"/> calendar months, the current one included in each count. Two rules never let
/// retention lose everything: the newest backup is always kept (however old), and so is any backup dated after now
/// (a clock that was wrong is not a reason to delete). Pure: the time is passed in.
/// </summary>
public sealed record RetentionPolicy(int Daily = 7, int Weekly = 4, int Monthly = 6)
{
    public RetentionPlan Apply(IEnumerable<BackupFile> backups, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentOutOfRangeException.ThrowIfNegative(Daily);
        ArgumentOutOfRangeException.ThrowIfNegative(Weekly);
        ArgumentOutOfRangeException.ThrowIfNegative(Monthly);

        var newestFirst = backups.OrderByDescending(b => b.Time).ThenBy(b => b.Path, StringComparer.Ordinal).ToList();
        var reasons = new Dictionary<BackupFile, string>();
        void Keep(BackupFile? file, string reason)
        {
            if (file is not null)
            {
                reasons.TryAdd(file, reason);
            }
        }

        var past = newestFirst.Where(b => b.Time <= now).ToList();
        var today = now.Date;
        for (var d = 0; d < Daily; d++)
        {
            var day = today.AddDays(-d);
            Keep(NewestIn(past, day, day.AddDays(1)), $"daily {day:yyyy-MM-dd}");
        }

        var week = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        for (var w = 0; w < Weekly; w++)
        {
            var start = week.AddDays(-7 * w);
            Keep(NewestIn(past, start, start.AddDays(7)), $"weekly {ISOWeek.GetYear(start)}-W{ISOWeek.GetWeekOfYear(start):00}");
        }

        var month = new DateTime(today.Year, today.Month, 1, 0, 0, 0, today.Kind);
        for (var m = 0; m < Monthly; m++)
        {
            var start = month.AddMonths(-m);
            Keep(NewestIn(past, start, start.AddMonths(1)), $"monthly {start:yyyy-MM}");
        }

        Keep(newestFirst.FirstOrDefault(), "newest");
        foreach (var future in newestFirst.Where(b => b.Time > now))
        {
            Keep(future, "dated after now");
        }

        var keep = newestFirst.Where(reasons.ContainsKey).Select(b => new KeptBackup(b, reasons[b])).ToList();
        var delete = newestFirst.Where(b => !reasons.ContainsKey(b)).ToList();
        return new RetentionPlan(keep, delete);
    }

    private static BackupFile? NewestIn(List<BackupFile> newestFirst, DateTime from, DateTime until) =>
        newestFirst.FirstOrDefault(b => b.Time >= from && b.Time < until);
}
