using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Runs;

/// <summary>
/// Creates runs from plans (all or nothing) and reads them back. State changes go through
/// <see cref="RunStateWriter"/>, which enforces the domain's transitions.
/// </summary>
public sealed class RunStore(SqliteDatabase database, TimeProvider time)
{
    /// <summary>Stores the plan as a QUEUED run in one transaction and returns its id.</summary>
    public async Task<string> CreateAsync(RunPlan plan, CapDefaults caps, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var runId = plan.RunId ?? GenerateRunId(now);
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        if (await db.Runs.AnyAsync(r => r.RunId == runId, cancellationToken).ConfigureAwait(false))
        {
            throw new DuplicateIdException("run_id", runId);
        }

        var run = new RunRow
        {
            RunId = runId,
            Status = RunStatus.Queued,
            Goal = plan.Goal,
            TokenCap = plan.TokenCap ?? caps.RunTokenCap,
            CreatedAt = now,
        };
        db.Runs.Add(run);

        var phaseIds = new List<string>();
        var position = 0;
        for (var t = 0; t < plan.Tiers.Count; t++)
        {
            var tierPlan = plan.Tiers[t];
            var tier = new TierRow { RunId = runId, Name = tierPlan.Name, Position = t };
            run.Tiers.Add(tier);
            foreach (var phase in tierPlan.Phases)
            {
                position++;
                var phaseId = phase.PhaseId ?? Identifiers.GeneratedPhaseId(runId, position);
                phaseIds.Add(phaseId);
                run.Phases.Add(new PhaseRow
                {
                    PhaseId = phaseId,
                    RunId = runId,
                    Tier = tier,
                    PhaseName = phase.PhaseName,
                    Position = position,
                    Category = phase.Category,
                    Complexity = phase.Complexity,
                    Goal = phase.Goal,
                    Provider = phase.Provider,
                    Verify = phase.Verify,
                    VerifyTimeoutSeconds = phase.VerifyTimeoutSeconds,
                    OfflineRejections = phase.OfflineRejections,
                    Status = PhaseStatus.Queued,
                    TokenCap = caps.PhaseCaps.CapFor(phase.Category, phase.TokenCap),
                    MaxAttempts = phase.MaxAttempts,
                    CreatedAt = now,
                });
            }
        }

        var duplicates = phaseIds.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null)
        {
            throw new DuplicateIdException("phase_id", duplicates.Key);
        }

        var existing = await db.Phases.Where(p => phaseIds.Contains(p.PhaseId)).Select(p => p.PhaseId)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            throw new DuplicateIdException("phase_id", existing);
        }

        db.Events.Add(new EventRow { RunId = runId, Kind = "run_created", Message = $"run created with {phaseIds.Count} phases", CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 19 })
        {
            // A concurrent create took the same id between our check and our insert.
            throw new DuplicateIdException("run_id", runId);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return runId;
    }

    public async Task<RunRow?> FindAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.Runs.AsNoTracking()
            .Include(r => r.Tiers.OrderBy(t => t.Position))
            .Include(r => r.Phases.OrderBy(p => p.Position))
            .AsSplitQuery()
            .FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunRow> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        await FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);

    public async Task<PhaseRow?> FindPhaseAsync(string phaseId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.PhaseId == phaseId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs newest first, with progress and tokens used, computed by indexed aggregate queries.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunStatus? status = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var runs = db.Runs.AsNoTracking();
        if (status is { } s)
        {
            runs = runs.Where(r => r.Status == s);
        }

        var page = await runs
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId)
            .Skip(offset).Take(limit)
            .Select(r => new
            {
                Run = r,
                Total = db.Phases.Count(p => p.RunId == r.RunId),
                Complete = db.Phases.Count(p => p.RunId == r.RunId && p.Status == PhaseStatus.Complete),
                Used = db.UsageEvents.Where(u => u.RunId == r.RunId).Sum(u => (long?)(u.PromptTokens + u.CompletionTokens)) ?? 0,
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        return page.Select(p => new RunSummary(
            p.Run.RunId, p.Run.Status, p.Run.Goal, p.Run.TokenCap, p.Used, p.Total, p.Complete,
            p.Run.CreatedAt, p.Run.StartedAt, p.Run.FinishedAt, p.Run.FailureReason)).ToList();
    }

    private static string GenerateRunId(DateTime now) =>
        $"run-{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
}
