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

    /// <summary>
    /// The latest reset request per breaker. Requests are not consumed: every executor running at the time applies
    /// each request newer than the last one it applied (see LeaseHeartbeat), so two executors both reset.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, DateTime RequestedAt)>> ResetRequestsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var rows = await db.CircuitBreakers.AsNoTracking().Where(b => b.ResetRequestedAt != null)
            .Select(b => new { b.Name, b.ResetRequestedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => (r.Name, r.ResetRequestedAt!.Value)).ToList();
    }
}
