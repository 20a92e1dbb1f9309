using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Runs;

/// <summary>
/// Creates runs from plans (all or nothing) and reads them back. State changes go through
/// <see cref="RunStateWriter"/>, which enforces the domain's transitions.
/// </summary>
public sealed class RunStore(AutopackDatabase database, TimeProvider time)
{
    /// <summary>
    /// Stores the plan as a QUEUED run in one transaction and returns its id. <paramref name="origin"/> is the plan's
    /// workspace as checked by the caller (null: the executor initialises an empty repository for the run).
    /// </summary>
    public async Task<string> CreateAsync(RunPlan plan, CapDefaults caps, WorkspaceOrigin? origin = null, CancellationToken cancellationToken = default)
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
            Repository = origin?.Repository,
            BaseCommit = origin?.BaseCommit,
            Branch = BranchOf(runId),
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
                    Scope = PhaseColumns.ScopeJson(phase.Scope),
                    MaxTurns = phase.MaxTurns,
                    OfflineEdits = PhaseColumns.OfflineEditsJson(phase.OfflineEdits),
                    BuilderCommand = phase.Builder?.Command,
                    BuilderTimeoutSeconds = phase.Builder?.TimeoutSeconds,
                    Models = PhaseColumns.ModelsJson(phase.Models),
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
        catch (DbUpdateException ex) when (database.IsUniqueViolation(ex))
        {
            // A concurrent create took the same id between our check and our insert.
            throw new DuplicateIdException("run_id", runId);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return runId;
    }

    /// <summary>The branch a run's commits go to.</summary>
    public static string BranchOf(string runId) => $"autopack/{runId}";

    /// <summary>A run with its tiers and phases in order (plain SQL: the executor's first read), or null.</summary>
    public async Task<RunRow?> FindAsync(string runId, CancellationToken cancellationToken = default) =>
        (await RunDetailReader.ReadOnceAsync(database, runId, cancellationToken).ConfigureAwait(false))?.Run;

    /// <summary>Whether a phase of the run names <paramref name="provider"/>: one indexed row at most, not the run's detail.</summary>
    public async Task<bool> UsesProviderAsync(string runId, string provider, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null, "SELECT 1 FROM phases WHERE run_id = @r AND provider = @p LIMIT 1", ("@r", runId), ("@p", provider));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not (null or DBNull);
    }

    public async Task<RunRow> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        await FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);

    public async Task<PhaseRow?> FindPhaseAsync(string phaseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(null, $"SELECT {RunColumns.Phase} FROM phases WHERE phase_id = @p", ("@p", phaseId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? RunColumns.ReadPhase(reader) : null;
    }

    /// <summary>
    /// Runs newest first, with progress and tokens used. The page is chosen first (on ix_runs_created_at) and only
    /// its rows get their aggregates: phase counts by index, tokens from the trigger-kept budget_totals, so a deep
    /// page costs no more than the first.
    /// </summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunStatus? status = null, int limit = 100, int offset = 0, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null, ListCommandText(byStatus: status is not null), ("@status", status?.ToName()), ("@limit", limit), ("@offset", offset));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<RunSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunSummary(
                reader.GetString(0),
                StatusNames.ParseRun(reader.GetString(1)),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetInt64(10),
                Convert.ToInt32(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(9), System.Globalization.CultureInfo.InvariantCulture),
                DbTime.FromText(reader.GetString(4)),
                reader.IsDBNull(5) ? null : DbTime.FromText(reader.GetString(5)),
                reader.IsDBNull(6) ? null : DbTime.FromText(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return runs;
    }

    /// <summary>
    /// The SQL of <see cref="ListAsync"/> (public so its query plan can be checked and benchmarked). Completed phases
    /// are counted with a sum over the run's phases: a status filter would let SQLite pick ix_phases_status and walk
    /// every completed phase of every run.
    /// </summary>
    public static string ListCommandText(bool byStatus) => $"""
        SELECT r.run_id, r.status, r.goal, r.token_cap, r.created_at, r.started_at, r.finished_at, r.failure_reason,
               (SELECT count(*) FROM phases p WHERE p.run_id = r.run_id),
               (SELECT coalesce(sum(CASE WHEN p.status = 'COMPLETE' THEN 1 ELSE 0 END), 0) FROM phases p WHERE p.run_id = r.run_id),
               coalesce((SELECT t.used_tokens FROM budget_totals t WHERE t.scope = 'run' AND t.id = r.run_id), 0)
        FROM (SELECT * FROM runs{(byStatus ? " WHERE status = @status" : string.Empty)}
              ORDER BY created_at DESC, run_id DESC LIMIT @limit OFFSET @offset) r
        ORDER BY r.created_at DESC, r.run_id DESC
        """;

    private static string GenerateRunId(DateTime now) =>
        $"run-{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
}
