using System.Globalization;
using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autopack.Api.Runs;

/// <summary>
/// What each attempt of a phase left: its diff against the phase's start, the builder's transcript, the verify log
/// and the auditor's reply, listed and served as plain text (never HTML: a model wrote them).
/// </summary>
public static class AttemptsApi
{
    public static RouteGroupBuilder MapAttemptsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/runs/{run_id}/phases/{phase_id}/attempts").WithTags("Runs").RequireMigratedDatabase();
        group.MapGet(string.Empty, ListAttempts).WithName("ListAttempts").WithSummary("List a phase's attempts and their files")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{attempt}/{kind}", GetAttemptFile).WithName("GetAttemptFile").WithSummary("Read one file an attempt left, as plain text")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Ok<IReadOnlyList<AttemptView>>, ProblemHttpResult>> ListAttempts(
        [FromRoute(Name = "run_id")] string runId, [FromRoute(Name = "phase_id")] string phaseId, RunStore store, RuntimeFolder runtime, CancellationToken cancellationToken)
    {
        if (await PhaseOfRunAsync(store, runId, phaseId, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return TypedResults.Ok(List(runtime, runId, phaseId));
    }

    /// <summary>The attempts a phase's folder holds, each with its files and their URLs.</summary>
    public static IReadOnlyList<AttemptView> List(RuntimeFolder runtime, string runId, string phaseId)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return AttemptFiles.AttemptsIn(runtime.PhaseFolder(runId, phaseId))
            .Select(n => new AttemptView(n, Files(runtime.Attempt(runId, phaseId, n), $"/runs/{runId}/phases/{phaseId}/attempts/{n}")))
            .ToList();
    }

    public static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> GetAttemptFile(
        [FromRoute(Name = "run_id")] string runId, [FromRoute(Name = "phase_id")] string phaseId, string attempt, string kind,
        RunStore store, RuntimeFolder runtime, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Invalid attempt", "must be a positive whole number", "attempt");
        }

        var files = runtime.Attempt(runId, phaseId, number);
        if (files.PathOf(kind) is not { } path)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Invalid kind", $"must be one of {string.Join(", ", AttemptFiles.Kinds)}", "kind");
        }

        if (await PhaseOfRunAsync(store, runId, phaseId, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        if (!File.Exists(path))
        {
            return ApiProblems.Create(StatusCodes.Status404NotFound, "No such file", $"attempt {number} of phase {phaseId} has no {kind}", "kind");
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, "text/plain; charset=utf-8");
    }

    private static async Task<ProblemHttpResult?> PhaseOfRunAsync(RunStore store, string runId, string phaseId, CancellationToken cancellationToken)
    {
        var phase = await store.FindPhaseAsync(phaseId, cancellationToken).ConfigureAwait(false);
        return phase is not null && phase.RunId == runId
            ? null
            : ApiProblems.Create(StatusCodes.Status404NotFound, "Phase not found", $"run {runId} has no phase {phaseId}", "phase_id");
    }

    private static List<AttemptFileView> Files(AttemptFiles files, string url) =>
        AttemptFiles.Kinds
            .Select(kind => (kind, info: new FileInfo(files.PathOf(kind)!)))
            .Where(f => f.info.Exists)
            .Select(f => new AttemptFileView(f.kind, $"{url}/{f.kind}", f.info.Length))
            .ToList();
}
