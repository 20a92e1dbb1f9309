using System.Globalization;
using Autopack.Storage.Backup;

namespace Autopack.Bench.Backup;

/// <summary>Times the stages a backup or restore reports through its progress, summed over repetitions.</summary>
public sealed class StageClock(TimeProvider time) : IProgress<BackupProgress>
{
    private readonly Dictionary<string, TimeSpan> totals = [];
    private readonly List<string> order = [];
    private string? stage;
    private long since;
    private int runs;

    public void Start()
    {
        stage = null;
        since = time.GetTimestamp();
        runs++;
    }

    public void Report(BackupProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Stage == stage)
        {
            return;
        }

        Close();
        stage = value.Stage;
        if (!order.Contains(stage))
        {
            order.Add(stage);
        }
    }

    public void Stop()
    {
        Close();
        stage = null;
    }

    public string Summary() =>
        string.Join(", ", order.Select(s => $"{s} {(totals[s].TotalSeconds / Math.Max(runs, 1)).ToString("F2", CultureInfo.InvariantCulture)}s"));

    private void Close()
    {
        var now = time.GetTimestamp();
        if (stage is not null)
        {
            totals[stage] = totals.GetValueOrDefault(stage) + time.GetElapsedTime(since, now);
        }

        since = now;
    }
}
