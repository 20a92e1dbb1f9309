using System.Globalization;
using System.Text;

namespace Autopack.Storage.Runtime;

/// <summary>
/// One entry of docs/BUILD_HISTORY.md: a header line <c>## &lt;finished UTC&gt; &lt;run-id&gt; &lt;STATUS&gt;</c> and bullet lines.
/// </summary>
public sealed record BuildHistoryEntry(string Header, IReadOnlyList<string> Lines)
{
    public const string HeaderPrefix = "## ";

    public static BuildHistoryEntry Create(DateTime finishedUtc, string runId, string status, IEnumerable<string> facts) =>
        new($"{HeaderPrefix}{finishedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} {runId} {status}", facts.Select(f => $"- {f}").ToList());

    /// <summary>The finish time in the header (entries sort by it); DateTime.MaxValue when unreadable.</summary>
    public DateTime SortKey
    {
        get
        {
            var parts = Header[HeaderPrefix.Length..].Split(' ', 2);
            return DateTime.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time) ? time : DateTime.MaxValue;
        }
    }

    public string Render()
    {
        var text = new StringBuilder().Append(Header).Append('\n');
        foreach (var line in Lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
