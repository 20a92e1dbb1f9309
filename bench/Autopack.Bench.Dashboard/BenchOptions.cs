using System.Globalization;

namespace Autopack.Bench.Dashboard;

/// <summary>Command-line options: history size, requests per endpoint, how many hours the history spans.</summary>
internal sealed record BenchOptions(int Runs, int Events, int Requests, int SpanHours)
{
    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }

        return new BenchOptions(Get("--runs", 1000), Get("--events", 1_000_000), Get("--requests", 200), Get("--span-hours", 1000));
    }
}
