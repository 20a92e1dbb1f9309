using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Autopack.Api.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;

namespace Autopack.Bench.Processes;

/// <summary>
/// Where one GET /runs/{id} spends its time outside HTTP: the pieces it runs, each timed alone in this process on
/// the same database (one thread, mean of many calls after a warm-up). The remainder against the measured request
/// rate is Kestrel, middleware and the load generator itself.
/// </summary>
internal static class ReadPathProfile
{
    private const int Calls = 3000;

    public static async Task RunAsync(SqliteDatabase database, string runId)
    {
        using var reader = new RunDetailReader(database);
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var detail = await reader.GetAsync(runId);
        Report("pooled open + pragmas (SqliteDatabase.OpenAsync)", await TimeAsync(async () => await (await database.OpenAsync()).DisposeAsync()));
        Report("SELECT 1 on a pooled connection", await TimeAsync(async () =>
        {
            await using var connection = await database.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync();
        }));
        var statements = RunDetailReader.CommandText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < statements.Length; i++)
        {
            var sql = statements[i];
            Report($"statement {i + 1} of RunDetailReader alone (open + read all rows)", await TimeAsync(() => ReadAllAsync(database, sql, runId)));
        }

        Report("RunDetailReader.FindAsync (open + 3 statements + mapping)", await TimeAsync(() => reader.FindAsync(runId)));
        Report("RunDetailView.From + JSON serialization", await TimeAsync(() =>
        {
            JsonSerializer.SerializeToUtf8Bytes(RunDetailView.From(detail), options);
            return Task.CompletedTask;
        }));
    }

    private static async Task ReadAllAsync(SqliteDatabase database, string sql, string runId)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@r", runId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        for (var i = 0; i < 200; i++)
        {
            await call();
        }

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < Calls; i++)
        {
            await call();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
    }

    private static void Report(string what, double meanUs) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: {what}: {meanUs:F1} us per call"));
}
