using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Breakers;

/// <summary>
/// Circuit-breaker states published by the executors (where the breakers live) so the API can show them, and
/// reset requests from operators that the executors pick up.
/// </summary>
public sealed class BreakerStates(SqliteDatabase database, TimeProvider time)
{
    public async Task PublishAsync(string name, string state, int failureCount, DateTime? openedAt, string reporter, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var now = time.GetUtcNow().UtcDateTime;
        var row = await db.CircuitBreakers.FirstOrDefaultAsync(b => b.Name == name, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            db.CircuitBreakers.Add(new CircuitBreakerRow { Name = name, State = state, FailureCount = failureCount, OpenedAt = openedAt, UpdatedAt = now, ReportedBy = reporter });
        }
        else
        {
            row.State = state;
            row.FailureCount = failureCount;
            row.OpenedAt = openedAt;
            row.UpdatedAt = now;
            row.ReportedBy = reporter;
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CircuitBreakerRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.CircuitBreakers.AsNoTracking().OrderBy(b => b.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the executors to close the named breakers (all when <paramref name="name"/> is null); returns how many rows were marked.</summary>
    public async Task<int> RequestResetAsync(string? name, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var now = time.GetUtcNow().UtcDateTime;
        var rows = db.CircuitBreakers.Where(b => name == null || b.Name == name);
        var count = await rows.ExecuteUpdateAsync(s => s.SetProperty(b => b.ResetRequestedAt, now), cancellationToken).ConfigureAwait(false);
        db.Events.Add(new EventRow { Kind = "breaker_reset_requested", Message = $"reset requested for {name ?? "all breakers"}", CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Takes the pending reset requests (clearing them) for the executor to act on.</summary>
    public async Task<IReadOnlyList<string>> TakeResetRequestsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var names = await db.CircuitBreakers.Where(b => b.ResetRequestedAt != null).Select(b => b.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (names.Count > 0)
        {
            await db.CircuitBreakers.Where(b => names.Contains(b.Name))
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.ResetRequestedAt, (DateTime?)null), cancellationToken).ConfigureAwait(false);
        }

        return names;
    }
}
