namespace Autopack.Domain.Plans;

/// <summary>The check every string of a plan gets beyond valid Unicode: no control characters where a line is expected.</summary>
internal static class PlanText
{
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
