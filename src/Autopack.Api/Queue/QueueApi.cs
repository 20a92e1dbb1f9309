using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Api.Hosting;
using Autopack.Storage;
using Autopack.Storage.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autopack.Api.Queue;

/// <summary>
/// The run queue the workers share (ADR-031, ADR-033): GET /queue, PATCH /queue (dispatch, executing_limit),
/// GET /queue/heartbeat (pass / warn / fail, 503 on fail), POST /admin/mode (NORMAL / DRAINING) and
/// POST /runs/{run_id}/requeue (a PAUSED run back to QUEUED). The same storage code as <c>autopack queue</c> and
/// <c>autopack drain</c>; mutating requests need the API key like every other.
/// </summary>
public static class QueueApi
{
    public const string Tag = "Queue";

    public static RouteGroupBuilder MapQueueApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).WithTags(Tag).RequireMigratedDatabase();
        group.MapGet("/queue", GetQueue).WithName("GetQueue")
            .WithSummary("Read the queue: counts, oldest queued age, dispatch, mode, executing_limit, workers");
        group.MapMethods("/queue", [HttpMethods.Patch], UpdateQueue).WithName("UpdateQueue")
            .WithSummary("Turn dispatch on or off and set or remove the global executing_limit")
            .Accepts<QueuePatchDocument>("application/json")
            .Produces<QueueView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/queue/heartbeat", GetQueueHeartbeat).WithName("GetQueueHeartbeat")
            .WithSummary("Probe the queue: pass, warn (stale worker, growing backlog) or fail (runs waiting, no live worker; 503)")
            .Produces<QueueHeartbeatView>(StatusCodes.Status200OK)
            .Produces<QueueHeartbeatView>(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/admin/mode", SetQueueMode).WithName("SetQueueMode")
            .WithSummary("Set the mode: DRAINING (nothing new starts, running runs finish) or NORMAL")
            .Accepts<ModeDocument>("application/json")
            .Produces<QueueView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/runs/{run_id}/requeue", RequeueRun).WithName("RequeueRun")
            .WithSummary("Put a PAUSED run back in the queue for the next free worker")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    public static async Task<Ok<QueueView>> GetQueue(QueueReader reader, StorageSettings settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(QueueView.From(await reader.ReadAsync(StaleAfter(settings), cancellationToken).ConfigureAwait(false)));

    /// <remarks>Body: <c>{"dispatch": false, "executing_limit": 4}</c>; either field may be left out; <c>"executing_limit": null</c> removes the limit.</remarks>
    public static async Task<Results<Ok<QueueView>, ProblemHttpResult>> UpdateQueue(
        HttpRequest request, QueueControl control, QueueReader reader, StorageSettings settings, CancellationToken cancellationToken)
    {
        QueueChange change;
        try
        {
            change = QueueRequests.ParsePatch(await RequestBody.ReadJsonBytesAsync(request, cancellationToken).ConfigureAwait(false));
        }
        catch (QueueRequestException ex)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Invalid queue settings", ex.Reason, ex.Field);
        }

        await control.UpdateAsync(change, "api", cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(QueueView.From(await reader.ReadAsync(StaleAfter(settings), cancellationToken).ConfigureAwait(false)));
    }

    public static async Task<JsonHttpResult<QueueHeartbeatView>> GetQueueHeartbeat(QueueReader reader, StorageSettings settings, CancellationToken cancellationToken)
    {
        var view = QueueHeartbeatView.From(await reader.ReadAsync(StaleAfter(settings), cancellationToken).ConfigureAwait(false));
        return TypedResults.Json(view, statusCode: view.Status == QueueHeartbeat.Fail ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    /// <remarks>Body: <c>{"mode": "DRAINING"}</c> or <c>{"mode": "NORMAL"}</c>. GET /queue says <c>"drained": true</c> once nothing executes.</remarks>
    public static async Task<Results<Ok<QueueView>, ProblemHttpResult>> SetQueueMode(
        HttpRequest request, QueueControl control, QueueReader reader, StorageSettings settings, CancellationToken cancellationToken)
    {
        QueueMode mode;
        try
        {
            mode = QueueRequests.ParseMode(await RequestBody.ReadJsonBytesAsync(request, cancellationToken).ConfigureAwait(false));
        }
        catch (QueueRequestException ex)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Invalid mode", ex.Reason, ex.Field);
        }

        await control.UpdateAsync(new QueueChange(Mode: mode), "api", cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(QueueView.From(await reader.ReadAsync(StaleAfter(settings), cancellationToken).ConfigureAwait(false)));
    }

    /// <remarks>404 for an unknown run; 409 for a run that is not PAUSED (a QUEUED one is already in the queue).</remarks>
    public static async Task<Ok<RequeueView>> RequeueRun([FromRoute(Name = "run_id")] string runId, QueueControl control, CancellationToken cancellationToken)
    {
        var superseded = await control.RequeueAsync(runId, "api", cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RequeueView(runId, "QUEUED", superseded));
    }

    private static TimeSpan StaleAfter(StorageSettings settings) => TimeSpan.FromSeconds(settings.LeaseStaleSeconds);
}
