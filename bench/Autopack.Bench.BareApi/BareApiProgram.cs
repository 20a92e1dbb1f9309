using System.Text.Json;

namespace Autopack.Bench.BareApi;

/// <summary>
/// The yardstick of the read-path bench: a bare .NET minimal API (no logging, no middleware, no database) that
/// answers GET /runs/{run_id} and GET /health with objects of the same JSON shape as autopack serve, serialized per
/// request with the same snake_case options. Run: <c>dotnet Autopack.Bench.BareApi.dll --urls http://127.0.0.1:PORT</c>.
/// </summary>
internal static class BareApiProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DictionaryKeyPolicy = null;
        });
        var app = builder.Build();
        var run = SampleRun();
        var health = SampleHealth();
        app.MapGet("/runs/{run_id}", ([Microsoft.AspNetCore.Mvc.FromRoute(Name = "run_id")] string runId) => runId == run.RunId ? Results.Ok(run) : Results.NotFound());
        app.MapGet("/health", () => Results.Ok(health with { CheckedAt = DateTime.UtcNow }));
        app.MapGet("/ready", () => Results.Ok(new { status = "ready" }));
        app.Run();
    }

    private static BareRun SampleRun()
    {
        var at = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        var phases = Enumerable.Range(1, 3).Select(i => new BarePhase(
            $"read-run-p{i}", "read-run", "t1", $"read-run-p{i}", i, "implementation", null, $"Do part {i} of the work.", "offline", "true",
            "COMPLETE", 500_000, 160, 1, 3, at, at.AddSeconds(i), at.AddSeconds(i + 1), null, new string('a', 39) + i, 30, null)).ToList();
        return new BareRun(
            "read-run", "DONE_SUCCESS", "Benchmark the read path.", 5_000_000, 480, 3, 3, at, at.AddSeconds(1), at.AddSeconds(4), null,
            [new BareTier("t1", 0, phases)], "/tmp/repository", new string('b', 40), "autopack/read-run",
            phases.Select(p => new BareCommit(p.CommitSha!, p.PhaseId, p.PhaseName)).ToList());
    }

    private static BareHealth SampleHealth() => new(
        "ok", null, "127.0.0.1", 8000, "0123456789ab", new Dictionary<string, BareBreaker>(StringComparer.Ordinal),
        new BareDbPool(true, 0.1, true, 10_000, null), 1.5, 100, 60, new BareSchema(202612012110, 202612012110, true), [],
        new BareRateLimiter(1, 10_000, 1200, 0), [], DateTime.UtcNow);
}
