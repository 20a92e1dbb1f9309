using System.Globalization;
using System.Text.Json.Nodes;
using Autopack.Executor.Running;

namespace Autopack.Executor.Tests.Support;

/// <summary>
/// The Python stand-in agent (Building/stand_in_agent.py, standard library only) as a plan's <c>builder.command</c>,
/// and what the tests around external builders ask of processes and of the provider stand-in's requests.
/// </summary>
internal static class StandInAgent
{
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Building", "stand_in_agent.py");

    /// <summary>
    /// The command that runs the agent: it leaves its evidence in <paramref name="evidence"/>, stops after
    /// <paramref name="maxCalls"/> calls (or when refused), and writes <paramref name="workLines"/> lines of work after its count.
    /// </summary>
    public static string Command(string evidence, int maxCalls = 500, int workLines = 0) =>
        string.Create(CultureInfo.InvariantCulture, $"python3 \"{ScriptPath}\" \"{evidence}\" {maxCalls} {workLines}");

    /// <summary>Whether a chat request is the auditor's review (its system prompt), not a builder's turn.</summary>
    public static bool IsAuditor(JsonObject body) =>
        (body["messages"]?.ToJsonString() ?? string.Empty).Contains(Prompts.AuditorSystem[..40], StringComparison.Ordinal)
        || (body["system"]?.ToJsonString() ?? string.Empty).Contains(Prompts.AuditorSystem[..40], StringComparison.Ordinal);

    /// <summary>Whether a process lives (a zombie, killed and waiting to be reaped, does not).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
