using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;

namespace Autopack.Storage.Runtime;

/// <summary>The outcome of asking for a stop, abort or timeout: the file written, or why nothing was.</summary>
public sealed record ControlRequestResult(ControlCommand Command, string RunId, string? FilePath, string? AlreadyEnded)
{
    public bool Written => FilePath is not null;
}

/// <summary>
/// What `autopack runs stop|abort`, `autopack phases timeout` and the API's control endpoints do: refuse an unknown
/// or already-ended run or phase, otherwise write the control file the executor acts on.
/// </summary>
public sealed class ControlRequests(SqliteDatabase database, RuntimeFolder runtime)
{
    /// <exception cref="NotFoundException">the run (stop, abort) or phase (timeout) does not exist.</exception>
    public async Task<ControlRequestResult> RequestAsync(ControlCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var isPhase = command.Kind == ControlKind.Timeout;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var query = connection.CreateCommand();
        query.CommandText = isPhase
            ? "SELECT status, run_id FROM phases WHERE phase_id = $id"
            : "SELECT status, run_id FROM runs WHERE run_id = $id";
        query.Parameters.AddWithValue("$id", command.TargetId);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new NotFoundException(isPhase ? "phase" : "run", command.TargetId);
        }

        var status = reader.GetString(0);
        var runId = reader.GetString(1);
        var ended = isPhase
            ? PhaseTransitions.IsTerminal(StatusNames.ParsePhase(status))
            : RunTransitions.IsTerminal(StatusNames.ParseRun(status));
        return ended
            ? new ControlRequestResult(command, runId, null, $"{(isPhase ? "phase" : "run")} {command.TargetId} already ended ({status})")
            : new ControlRequestResult(command, runId, runtime.WriteControlFile(command), null);
    }
}
