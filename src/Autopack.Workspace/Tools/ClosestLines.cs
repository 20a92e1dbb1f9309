using System.Text;

namespace Autopack.Workspace.Tools;

/// <summary>Finds the lines of a file most like the first line of a text that was not found, so the model sees
/// what the file really says there (with line numbers) instead of guessing again.</summary>
internal static class ClosestLines
{
    private const int Candidates = 3;
    private const int Context = 2;
    private const int MaxScoredChars = 400;

    public static string Describe(string[] lines, string old)
    {
        var probe = WorktreeFiles.Lines(old).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? old.Trim();
        var probeGrams = Bigrams(probe);
        var best = lines
            .Select((line, index) => (Index: index, Score: Similarity(probe, probeGrams, line.Trim())))
            .Where(c => c.Score > 0.3)
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Index)
            .Take(Candidates)
            .OrderBy(c => c.Index)
            .ToList();
        if (best.Count == 0)
        {
            return $"no line resembles old's first line \"{Shorten(probe)}\"; read_file the file to see its current text";
        }

        var text = new StringBuilder($"the lines most like old's first line \"{Shorten(probe)}\":\n");
        var shownUpTo = -1;
        foreach (var (index, _) in best)
        {
            var first = Math.Max(Math.Max(0, index - Context), shownUpTo + 1);
            var last = Math.Min(lines.Length - 1, index + Context);
            if (first > last)
            {
                continue;
            }

            if (shownUpTo >= 0 && first > shownUpTo + 1)
            {
                text.Append("  ...\n");
            }

            NumberedLines.Append(text, lines, first, last);
            shownUpTo = last;
        }

        return text.ToString();
    }

    private static double Similarity(string probe, Dictionary<string, int> probeGrams, string line)
    {
        if (line.Length == 0)
        {
            return 0;
        }

        if (line == probe)
        {
            return 1;
        }

        // Dice coefficient over character bigrams: linear in the line, and forgiving of small edits.
        var grams = Bigrams(line);
        var shared = grams.Sum(g => Math.Min(g.Value, probeGrams.GetValueOrDefault(g.Key)));
        var count = grams.Values.Sum() + probeGrams.Values.Sum();
        return count == 0 ? 0 : 2.0 * shared / count * 0.99;
    }

    private static Dictionary<string, int> Bigrams(string text)
    {
        var grams = new Dictionary<string, int>(StringComparer.Ordinal);
        var limited = text.Length > MaxScoredChars ? text[..MaxScoredChars] : text;
        for (var i = 0; i + 1 < limited.Length; i++)
        {
            var gram = limited.Substring(i, 2);
            grams[gram] = grams.GetValueOrDefault(gram) + 1;
        }

        return grams;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "..." : text;
}
