using System.Globalization;

namespace Autopack.Storage.Database;

/// <summary>
/// Times are stored as fixed-width UTC text (<c>2026-11-25T17:00:00.000Z</c>): readable in sqlite3 and
/// ordered correctly by plain string comparison.
/// </summary>
public static class DbTime
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string ToText(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString(Format, CultureInfo.InvariantCulture);

    public static string ToText(DateTimeOffset time) => ToText(time.UtcDateTime);

    public static DateTime FromText(string text) =>
        DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
