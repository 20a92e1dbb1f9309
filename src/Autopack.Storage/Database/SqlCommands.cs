using System.Data.Common;

namespace Autopack.Storage.Database;

/// <summary>
/// Plain SQL on an open connection: a command with its parameters in one call (null written as NULL), run in an
/// optional transaction. The stores on the executor's and the CLI's paths use it instead of EF Core, whose first
/// query costs a cold process about half a second (ADR-020, ADR-034).
/// </summary>
internal static class SqlCommands
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Runs a statement; how many rows it changed.</summary>
    public static Task<int> ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        ExecuteAsync(connection.Command(transaction, sql, parameters), cancellationToken);

    /// <summary>The first column of the first row as a long (0 when there is no row or it is NULL).</summary>
    public static Task<long> ScalarAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        ScalarAsync(connection.Command(transaction, sql, parameters), cancellationToken);

    private static async Task<int> ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long> ScalarAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            return ToLong(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>A scalar's value as a long: 0 for no row or NULL.</summary>
    public static long ToLong(object? value) => value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    public static string? TextOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTime? TimeOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : DbTime.FromText(reader.GetString(ordinal));

    public static int? IntOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static string? ToText(DateTime? time) => time is { } t ? DbTime.ToText(t) : null;
}
