namespace Autopack.Storage.Runtime;

/// <summary>What <c>autopack tidy</c> did to the ledger.</summary>
public sealed record TidyReport(int EntriesBefore, int EntriesAfter, int DuplicatesRemoved, int ConflictMarkersRemoved);

/// <summary>
/// docs/BUILD_HISTORY.md, the append-only source-of-truth ledger: each finished run appends an entry; tidy
/// consolidates it (after a merge conflict, say) without losing any entry: conflict markers go, exact duplicate
/// entries collapse to one, entries sort by finish time.
/// </summary>
public sealed class BuildHistoryLedger(string path)
{
    public const string Title = "# Build history";

    private const string Preamble = Title + "\n\nAppend-only ledger: one entry per finished run, written by the executor. `autopack tidy` consolidates it.\n";
    private static readonly string[] ConflictMarkers = ["<<<<<<<", "=======", ">>>>>>>", "|||||||"];

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Appends one entry. Concurrent executors serialise on an exclusive open of the file.</summary>
    public async Task AppendAsync(BuildHistoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var prefix = stream.Length == 0 ? Preamble + "\n" : await SeparatorAsync(stream, cancellationToken).ConfigureAwait(false);
                stream.Seek(0, SeekOrigin.End);
                await using var writer = new StreamWriter(stream);
                await writer.WriteAsync(prefix + entry.Render()).ConfigureAwait(false);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public IReadOnlyList<BuildHistoryEntry> ReadEntries() =>
        File.Exists(Path) ? Parse(File.ReadAllText(Path)).Entries : [];

    /// <summary>Rewrites the ledger consolidated (atomically: temp file + rename).</summary>
    public TidyReport Tidy()
    {
        if (!File.Exists(Path))
        {
            return new TidyReport(0, 0, 0, 0);
        }

        var (entries, markers) = Parse(File.ReadAllText(Path));
        var unique = new List<BuildHistoryEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (seen.Add(entry.Render()))
            {
                unique.Add(entry);
            }
        }

        var ordered = unique.Select((e, i) => (e, i)).OrderBy(x => x.e.SortKey).ThenBy(x => x.i).Select(x => x.e).ToList();
        var text = Preamble + string.Concat(ordered.Select(e => "\n" + e.Render()));
        var temp = Path + ".tidy-tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, Path, overwrite: true);
        return new TidyReport(entries.Count, ordered.Count, entries.Count - ordered.Count, markers);
    }

    /// <summary>Splits the text into entries; lines outside any entry (title, preamble) and conflict markers are dropped.</summary>
    public static (IReadOnlyList<BuildHistoryEntry> Entries, int ConflictMarkers) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<BuildHistoryEntry>();
        string? header = null;
        var lines = new List<string>();
        var markers = 0;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (ConflictMarkers.Any(m => raw.StartsWith(m, StringComparison.Ordinal)))
            {
                markers++;
                continue;
            }

            if (raw.StartsWith(BuildHistoryEntry.HeaderPrefix, StringComparison.Ordinal))
            {
                Flush();
                header = raw.TrimEnd();
                continue;
            }

            if (header is not null && !string.IsNullOrWhiteSpace(raw))
            {
                lines.Add(raw.TrimEnd());
            }
        }

        Flush();
        return (entries, markers);

        void Flush()
        {
            if (header is not null)
            {
                entries.Add(new BuildHistoryEntry(header, lines.ToList()));
            }

            header = null;
            lines.Clear();
        }
    }

    private static async Task<string> SeparatorAsync(FileStream stream, CancellationToken cancellationToken)
    {
        stream.Seek(-1, SeekOrigin.End);
        var last = new byte[1];
        await stream.ReadExactlyAsync(last, cancellationToken).ConfigureAwait(false);
        return last[0] == (byte)'\n' ? "\n" : "\n\n";
    }
}
