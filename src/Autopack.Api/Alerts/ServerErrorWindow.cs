namespace Autopack.Api.Alerts;

/// <summary>
/// Counts HTTP 500 answers over a sliding ten minutes, in one bucket per second (fixed memory however many
/// errors there are), on the injected clock.
/// </summary>
public sealed class ServerErrorWindow(TimeProvider time)
{
    /// <summary>More than this many 500s inside <see cref="Span"/> raise the alert.</summary>
    public const int AlertThreshold = 5;

    public static readonly TimeSpan Span = TimeSpan.FromMinutes(10);

    private static readonly int Buckets = (int)Span.TotalSeconds;

    private readonly long[] bucketSecond = new long[Buckets];
    private readonly int[] bucketCount = new int[Buckets];
    private readonly Lock gate = new();

    public void Record()
    {
        var now = NowSecond();
        var i = (int)(now % Buckets);
        lock (gate)
        {
            if (bucketSecond[i] != now)
            {
                bucketSecond[i] = now;
                bucketCount[i] = 0;
            }

            bucketCount[i]++;
        }
    }

    public int CountRecent()
    {
        var now = NowSecond();
        var total = 0;
        lock (gate)
        {
            for (var i = 0; i < Buckets; i++)
            {
                if (now - bucketSecond[i] < Buckets)
                {
                    total += bucketCount[i];
                }
            }
        }

        return total;
    }

    private long NowSecond() => time.GetUtcNow().ToUnixTimeSeconds();
}
