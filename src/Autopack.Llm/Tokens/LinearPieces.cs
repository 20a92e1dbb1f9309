using System.Globalization;

namespace Autopack.Llm.Tokens;

/// <summary>
/// Cuts a text into pieces the tokenizer counts in linear time. The tokenizer's byte-pair merge costs the square of
/// a pre-token's length, and a pre-token is a run of one kind of character (letters, symbols, whitespace), so a run
/// without whitespace of 0.3 MB cost 77 s. A run longer than <see cref="MaxRunChars"/> is cut every that many
/// characters (no token of o200k_base is longer, so a cut costs at most a token); ordinary text is cut only where a
/// space follows a letter or digit, a boundary the tokenizer's own pre-tokenizer keeps, so its count is exact.
/// Pieces are at most about <see cref="MaxPieceChars"/> long, so a caller can stop between them.
/// </summary>
internal static class LinearPieces
{
    /// <summary>The longest run of one kind of character handed to the tokenizer in one piece.</summary>
    public const int MaxRunChars = 128;

    /// <summary>A piece ends at the next exact boundary after this many characters.</summary>
    public const int MaxPieceChars = 16_384;

    public static IEnumerable<(int Start, int Length)> Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= MaxRunChars)
        {
            yield return (0, text.Length);
            yield break;
        }

        var start = 0;
        var runStart = 0;
        var runKind = KindOf(text[0]);
        for (var i = 1; i < text.Length; i++)
        {
            var kind = KindOf(text[i]);
            if (kind != runKind)
            {
                var exactBoundary = text[i] == ' ' && runKind is CharKind.Letter or CharKind.Digit;
                runKind = kind;
                runStart = i;
                if (i - start >= MaxPieceChars && (exactBoundary || i - start >= 4 * MaxPieceChars))
                {
                    yield return (start, i - start);
                    start = i;
                }
            }
            else if (i - runStart >= MaxRunChars && !char.IsLowSurrogate(text[i]))
            {
                yield return (start, i - start);
                start = i;
                runStart = i;
            }
        }

        yield return (start, text.Length - start);
    }

    private static CharKind KindOf(char c)
    {
        if (char.IsWhiteSpace(c))
        {
            return CharKind.Space;
        }

        if (char.IsLetter(c))
        {
            return CharKind.Letter;
        }

        if (char.IsDigit(c))
        {
            return CharKind.Digit;
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            ? CharKind.Letter
            : CharKind.Other;
    }

    private enum CharKind
    {
        Space,
        Letter,
        Digit,
        Other,
    }
}
