using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Runs;

/// <summary>
/// The read path of GET /runs/{id}: one command of three primary-key or index lookups (the run, its tiers on
/// ux_tiers_run_position, its phases on ux_phases_run_position), with tokens used from the trigger-kept
/// budget_totals, so its cost does not grow with the run's usage rows. Plain SQL: EF's context set-up, query and
/// split-query round trips were most of the request, and then preparing the three statements was most of the rest,
/// so the command is kept prepared on a few connections (<see cref="PreparedCommandPool"/>; docs/PERFORMANCE.md, ADR-026).
/// </summary>
public sealed class RunDetailReader(SqliteDatabase database) : IDisposable
{
    /// <summary>Prepared commands kept: one per concurrent reader a 2-4 core server needs.</summary>
    public const int KeptCommands = 4;

    private readonly PreparedCommandPool commands = new(database, CommandText, KeptCommands);

    public const string CommandText = """
        SELECT run_id, status, goal, token_cap, created_at, started_at, finished_at, failure_reason, repository, base_commit, branch,
               coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = $r), 0)
        FROM runs WHERE run_id = $r;
        SELECT tier_id, name, position FROM tiers WHERE run_id = $r ORDER BY position;
        SELECT p.phase_id, p.tier_id, p.phase_name, p.position, p.category, p.complexity, p.goal, p.provider, p.verify,
               p.verify_timeout_seconds, p.offline_rejections, p.status, p.token_cap, p.attempts, p.max_attempts,
               p.created_at, p.started_at, p.finished_at, p.failure_reason, p.scope, p.max_turns, p.offline_edits,
               p.commit_sha, coalesce(t.used_tokens, 0)
        FROM phases p LEFT JOIN budget_totals t ON t.scope = 'phase' AND t.id = p.phase_id
        WHERE p.run_id = $r ORDER BY p.position;
        """;

    public async Task<RunDetail?> FindAsync(string runId, CancellationToken cancellationToken = default)
    {
        var command = await commands.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            command.Parameters.AddWithValue("$r", runId);
            var detail = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
            commands.Return(command);
            return detail;
        }
        catch
        {
            PreparedCommandPool.Discard(command);
            throw;
        }
    }

    public async Task<RunDetail> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        await FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);

    public void Dispose() => commands.Dispose();

    private static async Task<RunDetail?> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var run = new RunRow
        {
            RunId = reader.GetString(0),
            Status = StatusNames.ParseRun(reader.GetString(1)),
            Goal = reader.GetString(2),
            TokenCap = reader.GetInt64(3),
            CreatedAt = DbTime.FromText(reader.GetString(4)),
            StartedAt = Time(reader, 5),
            FinishedAt = Time(reader, 6),
            FailureReason = Text(reader, 7),
            Repository = Text(reader, 8),
            BaseCommit = Text(reader, 9),
            Branch = Text(reader, 10),
        };
        var runTokens = reader.GetInt64(11);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            run.Tiers.Add(new TierRow { TierId = reader.GetInt64(0), RunId = run.RunId, Name = reader.GetString(1), Position = reader.GetInt32(2) });
        }

        var phaseTokens = new Dictionary<string, long>(StringComparer.Ordinal);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var phase = ReadPhase(reader, run.RunId);
            run.Phases.Add(phase);
            phaseTokens[phase.PhaseId] = reader.GetInt64(23);
        }

        return new RunDetail(run, runTokens, phaseTokens);
    }

    private static PhaseRow ReadPhase(SqliteDataReader reader, string runId) => new()
    {
        PhaseId = reader.GetString(0),
        RunId = runId,
        TierId = reader.GetInt64(1),
        PhaseName = reader.GetString(2),
        Position = reader.GetInt32(3),
        Category = Text(reader, 4),
        Complexity = Text(reader, 5),
        Goal = reader.GetString(6),
        Provider = reader.GetString(7),
        Verify = Text(reader, 8),
        VerifyTimeoutSeconds = reader.IsDBNull(9) ? null : reader.GetInt32(9),
        OfflineRejections = reader.GetInt32(10),
        Status = StatusNames.ParsePhase(reader.GetString(11)),
        TokenCap = reader.GetInt64(12),
        Attempts = reader.GetInt32(13),
        MaxAttempts = reader.GetInt32(14),
        CreatedAt = DbTime.FromText(reader.GetString(15)),
        StartedAt = Time(reader, 16),
        FinishedAt = Time(reader, 17),
        FailureReason = Text(reader, 18),
        Scope = Text(reader, 19),
        MaxTurns = reader.GetInt32(20),
        OfflineEdits = Text(reader, 21),
        CommitSha = Text(reader, 22),
    };

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? Time(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : DbTime.FromText(reader.GetString(ordinal));
}
