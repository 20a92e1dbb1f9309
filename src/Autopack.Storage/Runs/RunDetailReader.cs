using System.Data.Common;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>
/// The read path of GET /runs/{id}: one command of three primary-key or index lookups (the run, its tiers on
/// ux_tiers_run_position, its phases on ux_phases_run_position), with tokens used from the trigger-kept
/// budget_totals, so its cost does not grow with the run's usage rows. Plain SQL: EF's context set-up, query and
/// split-query round trips were most of the request, and then preparing the three statements was most of the rest,
/// so the command is kept prepared on a few connections (<see cref="PreparedCommandPool"/>; docs/PERFORMANCE.md, ADR-026).
/// </summary>
public sealed class RunDetailReader(AutopackDatabase database) : IDisposable
{
    /// <summary>Prepared commands kept: one per concurrent reader a 2-4 core server needs.</summary>
    public const int KeptCommands = 4;

    private readonly PreparedCommandPool commands = new(database, CommandText, KeptCommands, "@r");

    public static readonly string CommandText = $"""
        SELECT {RunColumns.Run},
               coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = @r), 0)
        FROM runs WHERE run_id = @r;
        SELECT tier_id, name, position FROM tiers WHERE run_id = @r ORDER BY position;
        SELECT {RunColumns.PhaseOf("p")}, coalesce(t.used_tokens, 0)
        FROM phases p LEFT JOIN budget_totals t ON t.scope = 'phase' AND t.id = p.phase_id
        WHERE p.run_id = @r ORDER BY p.position;
        """;

    public async Task<RunDetail?> FindAsync(string runId, CancellationToken cancellationToken = default)
    {
        var command = await commands.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            command.Parameters["@r"].Value = runId;
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

    /// <summary>
    /// The same read on a connection of its own, its statements prepared for this call only: for a process that reads
    /// a run once or twice (the executor, the CLI), where keeping prepared commands would cost more than it saves.
    /// </summary>
    public static async Task<RunDetail?> ReadOnceAsync(AutopackDatabase database, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = CommandText;
        AddRunId(command, runId);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunDetail> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        await FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);

    public void Dispose() => commands.Dispose();

    private static void AddRunId(DbCommand command, string runId)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@r";
        parameter.Value = runId;
        command.Parameters.Add(parameter);
    }

    private static async Task<RunDetail?> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var run = RunColumns.ReadRun(reader);
        var runTokens = reader.GetInt64(RunColumns.RunCount);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            run.Tiers.Add(RunColumns.ReadTier(reader, run.RunId));
        }

        var phaseTokens = new Dictionary<string, long>(StringComparer.Ordinal);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var phase = RunColumns.ReadPhase(reader);
            run.Phases.Add(phase);
            phaseTokens[phase.PhaseId] = reader.GetInt64(RunColumns.PhaseCount);
        }

        return new RunDetail(run, runTokens, phaseTokens);
    }
}
