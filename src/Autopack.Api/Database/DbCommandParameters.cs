using System.Data.Common;
using System.Globalization;

namespace Autopack.Api.Database;

/// <summary>
/// The Api's plain SQL on either engine: named <c>@</c> parameters added through the provider-neutral
/// <see cref="DbCommand"/>, and numbers read whatever type the engine gives them (PostgreSQL's <c>sum</c> of bigint is numeric).
/// </summary>
public static class DbCommandParameters
{
    public static DbParameter AddParameter(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static long GetLong(this DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
    }
}
