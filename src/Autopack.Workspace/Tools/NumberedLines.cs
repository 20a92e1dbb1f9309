using System.Globalization;
using System.Text;

namespace Autopack.Workspace.Tools;

/// <summary>Lines shown to the model with their 1-based numbers, as <c>  12| text</c>.</summary>
internal static class NumberedLines
{
    public static StringBuilder Append(StringBuilder text, IReadOnlyList<string> lines, int firstIndex, int lastIndex)
    {
        var width = Math.Max(4, (lastIndex + 1).ToString(CultureInfo.InvariantCulture).Length);
        for (var i = firstIndex; i <= lastIndex; i++)
        {
            text.Append((i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append("| ").Append(lines[i]).Append('\n');
        }

        return text;
    }
}
