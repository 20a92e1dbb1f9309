using System.Text.Json;

namespace Autopack.Domain.Plans;

/// <summary>The checks every string of a plan gets: valid Unicode, and no control characters where a line is expected.</summary>
internal static class PlanText
{
    /// <summary>
    /// The string's value. JSON's <c>\ud800</c> escape can name half a surrogate pair, which no UTF-16 or UTF-8 text
    /// holds; <see cref="JsonElement.GetString"/> then throws, and that is the plan's fault, not the reader's.
    /// </summary>
    public static string Read(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new PlanValidationException(path, "is not valid Unicode (a lone surrogate such as \\ud800)");
        }
    }

    /// <summary>Where the first control character is (-1: none); with <paramref name="multiline"/>, tab, CR and LF are allowed.</summary>
    public static int IndexOfControl(string text, bool multiline)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && !(multiline && c is '\t' or '\n' or '\r'))
            {
                return i;
            }
        }

        return -1;
    }
}
