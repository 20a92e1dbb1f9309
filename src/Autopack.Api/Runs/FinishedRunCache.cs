using System.Collections.Concurrent;
using Autopack.Domain.Runs;

namespace Autopack.Api.Runs;

/// <summary>
/// The views of finished runs, reused for one second (ADR-041). A run in a terminal status can change no more by the
/// domain's rules (no transition leaves one), so dashboards and scrapers polling it need not read its three statements
/// again on every request; the second bounds what an operator could still see of an outside change (a restore, a
/// released reservation). Runs still going are never kept. At most <see cref="Capacity"/> runs are held; when full, the
/// cache is emptied and fills again with what is asked for.
/// </summary>
public sealed class FinishedRunCache(TimeProvider time)
{
    public const int Capacity = 1024;

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public bool TryGet(string runId, out RunDetailView view)
    {
        if (entries.TryGetValue(runId, out var entry) && time.GetTimestamp() < entry.ExpiresAt)
        {
            view = entry.View;
            return true;
        }

        view = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="view"/> when its run has ended; returns it either way.</summary>
    public RunDetailView Offer(RunDetailView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (RunTransitions.IsTerminal(view.Status))
        {
            if (entries.Count >= Capacity)
            {
                entries.Clear();
            }

            entries[view.RunId] = new Entry(view, time.GetTimestamp() + (long)(Lifetime.TotalSeconds * time.TimestampFrequency));
        }

        return view;
    }

    private sealed record Entry(RunDetailView View, long ExpiresAt);
}
