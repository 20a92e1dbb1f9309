using System.Collections.Concurrent;
using System.Data.Common;

namespace Autopack.Storage.Database;

/// <summary>
/// One SQL command kept prepared on up to <c>keep</c> open connections of its own, for a read the API answers many
/// times a second. Microsoft.Data.Sqlite prepares a command's statements anew on every new command, and for the
/// run read that parsing and planning was most of its cost (docs/PERFORMANCE.md, ADR-026); a rented command runs
/// its already-prepared statements (on PostgreSQL, server-side prepared statements). A command that failed is not returned to the pool.
/// <paramref name="textParameters"/> name the command's parameters (all text), made before it is prepared and kept with
/// it: Npgsql binds the parameters a command holds when it is prepared (without them it would leave <c>@r</c> in the SQL,
/// which PostgreSQL reads as an operator), so a caller sets their values rather than adding its own.
/// </summary>
public sealed class PreparedCommandPool(AutopackDatabase database, string commandText, int keep, params string[] textParameters) : IDisposable
{
    private readonly ConcurrentBag<DbCommand> idle = [];

    /// <summary>
    /// A prepared command on an open connection, holding the parameters named at construction (set each one's
    /// <see cref="DbParameter.Value"/>); give it back with <see cref="Return"/>.
    /// </summary>
    public async Task<DbCommand> RentAsync(CancellationToken cancellationToken)
    {
        if (idle.TryTake(out var kept))
        {
            return kept;
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var command = connection.CreateCommand();
        command.CommandText = commandText;
        foreach (var name in textParameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = string.Empty;
            command.Parameters.Add(parameter);
        }

        command.Prepare();
        return command;
    }

    /// <summary>Keeps the command for the next caller (or closes it when enough are kept).</summary>
    public void Return(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (idle.Count < keep)
        {
            idle.Add(command);
            return;
        }

        Discard(command);
    }

    /// <summary>Closes a command (and its connection) that must not be used again, e.g. after a failure.</summary>
    public static void Discard(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var connection = command.Connection;
        command.Dispose();
        connection?.Dispose();
    }

    public void Dispose()
    {
        while (idle.TryTake(out var command))
        {
            Discard(command);
        }
    }
}
