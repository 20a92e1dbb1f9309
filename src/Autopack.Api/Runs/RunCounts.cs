using System.Globalization;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;

namespace Autopack.Api.Runs;

/// <summary>How many runs match a filter (served by ix_runs_status), for the total of a page of GET /runs.</summary>
public sealed class RunCounts(SqliteDatabase database)
{
    public async Task<long> CountAsync(RunStatus? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM runs WHERE $status IS NULL OR status = $status";
        command.Parameters.AddWithValue("$status", status is { } s ? s.ToName() : DBNull.Value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }
}
