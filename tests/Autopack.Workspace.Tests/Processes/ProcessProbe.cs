namespace Autopack.Workspace.Tests.Processes;

/// <summary>Whether a process a command printed the id of is still alive (a zombie nobody reaped counts as gone).</summary>
internal static class ProcessProbe
{
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        string text;
        try
        {
            text = File.ReadAllText(stat);
        }
        catch (IOException)
        {
            return false;
        }

        // Format: "pid (comm) state ..."; comm may contain spaces, so read the state after the last ')'.
        var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
        return state is not ("Z" or "X");
    }

    public static async Task<bool> IsGoneSoonAsync(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            if (!IsAlive(pid))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    public static IReadOnlyList<int> PidsIn(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("pid=", StringComparison.Ordinal))
            .Select(line => int.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
