using System.Data.Common;
using System.Globalization;
using Autopack.Api.Database;
using Autopack.Storage.Database;

namespace Autopack.Api.Dashboard;

/// <summary>
/// Token usage over time for the dashboard's chart, in at most <see cref="MaxBuckets"/> equal buckets, zeros included.
/// All runs: one range sum per bucket over <c>ix_usage_created_at_tokens</c> (index only; the usage rows are never
/// read, and no row is sorted: a GROUP BY of a million rows by minute spent 300 ms in its temporary B-tree).
/// One run: its rows (a run's calls are bounded by its cap) summed per minute, folded into buckets here.
/// </summary>
public static class UsageTimeline
{
    public const string RunWindow = "run";
    public const string DefaultWindow = "1h";
    public const int MaxBuckets = 120;

    /// <summary>The shortest span a run's chart covers.</summary>
    public static readonly TimeSpan MinimumRunSpan = TimeSpan.FromMinutes(30);

    /// <summary>Bucket sizes in seconds, smallest first; the smallest that gives at most <see cref="MaxBuckets"/> is used.</summary>
    private static readonly int[] BucketSizes = [60, 300, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400, 604_800];

    public static IReadOnlyDictionary<string, TimeSpan> Windows { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["1h"] = TimeSpan.FromHours(1),
        ["6h"] = TimeSpan.FromHours(6),
        ["24h"] = TimeSpan.FromHours(24),
    };

    /// <summary>The smallest bucket size that covers <paramref name="from"/> to <paramref name="to"/> in at most <see cref="MaxBuckets"/> aligned buckets.</summary>
    public static int BucketSecondsFor(DateTime from, DateTime to)
    {
        foreach (var size in BucketSizes)
        {
            var ticks = TimeSpan.FromSeconds(size).Ticks;
            if ((to.Ticks / ticks) - (from.Ticks / ticks) + 1 <= MaxBuckets)
            {
                return size;
            }
        }

        return BucketSizes[^1];
    }

    /// <summary>
    /// All runs (<paramref name="forRun"/> false): tokens and calls from <c>@from</c> (inclusive) to <c>@to</c>, run once
    /// per bucket. One run: tokens and calls per minute (<c>yyyy-MM-ddTHH:mm</c>) of run <c>@run</c> in that range.
    /// </summary>
    public static string CommandText(bool forRun) => forRun
        ? """
          SELECT substr(created_at, 1, 16) AS minute, sum(prompt_tokens + completion_tokens), count(*)
          FROM llm_usage_events
          WHERE run_id = @run AND created_at >= @from AND created_at < @to
          GROUP BY minute
          """
        : """
          SELECT coalesce(sum(prompt_tokens + completion_tokens), 0), count(*)
          FROM llm_usage_events
          WHERE created_at >= @from AND created_at < @to
          """;

    /// <summary>Buckets covering <paramref name="from"/> to <paramref name="to"/> (UTC), aligned to the bucket size.</summary>
    public static async Task<UsageTimelineView> ReadAsync(
        AutopackDatabase database, string window, string? runId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var bucket = BucketSecondsFor(from, to);
        var bucketTicks = TimeSpan.FromSeconds(bucket).Ticks;
        var last = new DateTime(to.Ticks / bucketTicks * bucketTicks, DateTimeKind.Utc);
        var first = new DateTime(Math.Max(from.Ticks / bucketTicks * bucketTicks, last.Ticks - ((MaxBuckets - 1) * bucketTicks)), DateTimeKind.Utc);
        var count = (int)((last.Ticks - first.Ticks) / bucketTicks) + 1;
        var tokens = new long[count];
        var calls = new long[count];

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = CommandText(forRun: runId is not null);
        var fromParameter = command.AddParameter("@from", DbTime.ToText(first));
        var toParameter = command.AddParameter("@to", DbTime.ToText(last.AddTicks(bucketTicks)));
        if (runId is not null)
        {
            command.AddParameter("@run", runId);
            await ReadRunMinutesAsync(command, first, bucketTicks, tokens, calls, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                fromParameter.Value = DbTime.ToText(first.AddTicks(i * bucketTicks));
                toParameter.Value = DbTime.ToText(first.AddTicks((i + 1) * bucketTicks));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tokens[i] = reader.GetLong(0);
                    calls[i] = reader.GetLong(1);
                }
            }
        }

        var points = new UsagePointView[count];
        for (var i = 0; i < count; i++)
        {
            points[i] = new UsagePointView(first.AddTicks(i * bucketTicks), tokens[i], calls[i]);
        }

        return new UsageTimelineView(window, runId, first, last.AddTicks(bucketTicks), bucket, tokens.Sum(), calls.Sum(), points);
    }

    private static async Task ReadRunMinutesAsync(
        DbCommand command, DateTime first, long bucketTicks, long[] tokens, long[] calls, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!DateTime.TryParseExact(
                reader.GetString(0), "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var minute))
            {
                continue;
            }

            var index = (int)((minute.Ticks - first.Ticks) / bucketTicks);
            if (index >= 0 && index < tokens.Length)
            {
                tokens[index] += reader.GetLong(1);
                calls[index] += reader.GetLong(2);
            }
        }
    }
}
