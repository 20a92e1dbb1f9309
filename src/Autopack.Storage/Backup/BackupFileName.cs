using System.Globalization;
using System.Text.RegularExpressions;

namespace Autopack.Storage.Backup;

/// <summary>
/// The names backups get: <c>autopack-backup-YYYYMMDD-HHMMSS.tar.gz</c> (local time, as the runbook's crontab
/// line writes with <c>date</c>). The date-only form <c>autopack-backup-YYYYMMDD.tar.gz</c> of the older crontab
/// line is recognised too, as midnight of that day.
/// </summary>
public static partial class BackupFileName
{
    public const string Prefix = "autopack-backup-";

    public const string Extension = ".tar.gz";

    public static string Format(DateTime localTime) =>
        Prefix + localTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + Extension;

    /// <summary>Reads the time out of a backup's file name (not a path); false for any other name.</summary>
    public static bool TryParse(string fileName, out DateTime localTime)
    {
        localTime = default;
        if (fileName is null)
        {
            return false;
        }

        var match = NamePattern().Match(fileName);
        if (!match.Success)
        {
            return false;
        }

        var text = match.Groups["time"].Success ? match.Groups["date"].Value + match.Groups["time"].Value : match.Groups["date"].Value + "000000";
        return DateTime.TryParseExact(text, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out localTime);
    }

    [GeneratedRegex(@"^autopack-backup-(?<date>[0-9]{8})(-(?<time>[0-9]{6}))?\.tar\.gz$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
