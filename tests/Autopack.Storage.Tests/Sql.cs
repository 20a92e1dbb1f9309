using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Tests;

/// <summary>Reads the database the way an operator's sqlite3 does: plain SQL on a raw connection.</summary>
internal static class Sql
{
    public static List<object?[]> Rows(SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        return Rows(connection, sql, parameters);
    }

    public static List<object?[]> Rows(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static List<string> Column(SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters) =>
        Rows(database, sql, parameters).Select(r => Convert.ToString(r[0], System.Globalization.CultureInfo.InvariantCulture)!).ToList();

    public static long Scalar(SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters) =>
        Convert.ToInt64(Rows(database, sql, parameters).Single()[0] ?? 0L, System.Globalization.CultureInfo.InvariantCulture);

    public static void Execute(SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Row counts of the tables a run is written to, to prove a refused write left nothing behind.</summary>
    public static (long Runs, long Tiers, long Phases, long Events) RunTableCounts(SqliteDatabase database) =>
        (Scalar(database, "SELECT count(*) FROM runs"),
         Scalar(database, "SELECT count(*) FROM tiers"),
         Scalar(database, "SELECT count(*) FROM phases"),
         Scalar(database, "SELECT count(*) FROM events"));
}
