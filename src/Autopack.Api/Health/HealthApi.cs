using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Api.Queue;
using Autopack.Storage;
using Autopack.Storage.Queue;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autopack.Api.Health;

/// <summary>
/// GET /health (the operator's view, 503 when unhealthy) and GET /ready (200 only when migrated and writable; the body
/// also says whether the queue can dispatch a run, which does not change the status code: ADR-033).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetHealth).WithName("GetHealth").WithTags("Health").WithSummary("Report health (503 when unhealthy)")
            .Produces<HealthReport>(StatusCodes.Status200OK)
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/ready", GetReady).WithName("GetReady").WithTags("Health").WithSummary("Report readiness: migrated and writable; whether the queue can dispatch")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<JsonHttpResult<HealthReport>> GetHealth(HealthReporter reporter, CancellationToken cancellationToken)
    {
        var report = await reporter.ReportAsync(cancellationToken).ConfigureAwait(false);
        var status = report.Status == HealthReport.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return TypedResults.Json(report, statusCode: status);
    }

    public static async Task<Results<Ok<ReadyView>, ProblemHttpResult>> GetReady(
        DatabaseProbe probe, QueueReader queue, StorageSettings settings, CancellationToken cancellationToken)
    {
        var database = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        var problem = database.Problem ?? await probe.WriteProblemAsync(cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "Not ready", problem);
        }

        var schema = database.Schema!;
        var status = await queue.ReadAsync(TimeSpan.FromSeconds(settings.LeaseStaleSeconds), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ReadyView("ready", probe.Identity, new SchemaVersionView(schema.Current, schema.Latest, schema.UpToDate), ReadyQueueView.From(status)));
    }
}
