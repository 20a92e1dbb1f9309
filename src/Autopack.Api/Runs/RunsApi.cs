using System.Globalization;
using Autopack.Api.Control;
using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Api.Hosting;
using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autopack.Api.Runs;

/// <summary>
/// /runs: create a run from a plan, list and read runs, their phases and usage, and stop or abort them by
/// writing the same control files an operator writes with echo.
/// </summary>
public static class RunsApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        // Full paths under an unprefixed group: a "/runs" prefix would make the list's route "/runs/" in metrics.
        var group = app.MapGroup(string.Empty).WithTags("Runs").RequireMigratedDatabase();
        group.MapPost("/runs", CreateRun).WithName("CreateRun").WithSummary("Create a run from a plan")
            .Accepts<RunPlan>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/runs", ListRuns).WithName("ListRuns").WithSummary("List runs, newest first, by page and status");
        group.MapGet("/runs/{run_id}", GetRun).WithName("GetRun").WithSummary("Read a run with its tiers, phases and usage")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/runs/{run_id}/phases", GetRunPhases).WithName("GetRunPhases").WithSummary("List a run's phases")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/runs/{run_id}/usage", GetRunUsage).WithName("GetRunUsage").WithSummary("Read a run's token usage against its caps")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/runs/{run_id}/stop", StopRun).WithName("StopRun").WithSummary("Ask the executor to stop a run gracefully (it is paused and can resume)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/runs/{run_id}/abort", AbortRun).WithName("AbortRun").WithSummary("Abort a run: in-flight work is cancelled now")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    /// <remarks>
    /// The plan is parsed from the body's bytes by the domain's strict parser (the one <c>autopack runs create</c> uses),
    /// so every refusal names its field and the CLI refuses the same plans in the same words.
    /// </remarks>
    public static async Task<Created<RunDetailView>> CreateRun(
        HttpRequest request, RunStore store, RunDetailReader details, BudgetSettings budget, RunWorkspaces git, InstallationPaths paths, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonBytesAsync(request, cancellationToken).ConfigureAwait(false);
        var plan = PlanParser.Parse(body);
        var origin = await PlanWorkspace.ResolveAsync(plan, git, paths.WorkingDirectory, cancellationToken).ConfigureAwait(false);
        var runId = await store.CreateAsync(plan, new CapDefaults(budget.RunTokenCap, budget.PhaseCapPolicy), origin, cancellationToken).ConfigureAwait(false);
        var view = RunDetailView.From(await details.GetAsync(runId, cancellationToken).ConfigureAwait(false));
        return TypedResults.Created($"/runs/{Uri.EscapeDataString(runId)}", view);
    }

    public static async Task<Results<Ok<RunListView>, ValidationProblem>> ListRuns(
        RunStore store, AutopackDatabase database, string? status, string? limit, string? offset, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (RunsPageQuery.Parse(status, limit, offset, DefaultLimit, errors) is not { } query)
        {
            return ApiProblems.InvalidQuery(errors);
        }

        var (filter, limitValue, offsetValue) = query;
        var runs = await store.ListAsync(filter, limitValue, offsetValue, cancellationToken).ConfigureAwait(false);
        var total = StatusCounts.Matching(await StatusCounts.RunsAsync(database, cancellationToken).ConfigureAwait(false), filter);
        return TypedResults.Ok(new RunListView(runs, total, limitValue, offsetValue, filter?.ToName()));
    }

    public static async Task<Ok<RunDetailView>> GetRun(
        [FromRoute(Name = "run_id")] string runId, RunDetailReader details, FinishedRunCache finished, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReadDetailAsync(runId, details, finished, cancellationToken).ConfigureAwait(false));

    public static async Task<Ok<IReadOnlyList<PhaseView>>> GetRunPhases(
        [FromRoute(Name = "run_id")] string runId, RunDetailReader details, FinishedRunCache finished, CancellationToken cancellationToken)
    {
        var detail = await ReadDetailAsync(runId, details, finished, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PhaseView> phases = detail.Tiers.SelectMany(t => t.Phases).ToList();
        return TypedResults.Ok(phases);
    }

    /// <summary>A finished run from the one-second cache (ADR-041), anything else read now.</summary>
    private static async Task<RunDetailView> ReadDetailAsync(string runId, RunDetailReader details, FinishedRunCache finished, CancellationToken cancellationToken) =>
        finished.TryGet(runId, out var cached)
            ? cached
            : finished.Offer(RunDetailView.From(await details.GetAsync(runId, cancellationToken).ConfigureAwait(false)));

    public static async Task<Ok<UsageView>> GetRunUsage(
        [FromRoute(Name = "run_id")] string runId, UsageQueries usage, CancellationToken cancellationToken) =>
        TypedResults.Ok(UsageView.From(await usage.GetRunUsageAsync(runId, cancellationToken).ConfigureAwait(false)));

    public static Task<Results<Accepted<ControlAccepted>, ProblemHttpResult>> StopRun(
        [FromRoute(Name = "run_id")] string runId, ControlRequestSender sender, CancellationToken cancellationToken) =>
        RequestControlAsync(sender, new ControlCommand(ControlKind.Stop, runId), cancellationToken);

    public static Task<Results<Accepted<ControlAccepted>, ProblemHttpResult>> AbortRun(
        [FromRoute(Name = "run_id")] string runId, ControlRequestSender sender, CancellationToken cancellationToken) =>
        RequestControlAsync(sender, new ControlCommand(ControlKind.Abort, runId), cancellationToken);

    /// <summary>
    /// Stores the request for the run and writes the control file an operator would write with echo (atomically,
    /// through <see cref="ControlRequestSender"/>): 202, since the executor acts on it; 200 with the run's new status when
    /// an abort ended a run that no executor held at once; 409 when the run or phase already ended.
    /// </summary>
    public static async Task<Results<Accepted<ControlAccepted>, ProblemHttpResult>> RequestControlAsync(
        ControlRequestSender sender, ControlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var sent = await sender.SendAsync(command, ControlSource.Api, cancellationToken).ConfigureAwait(false);
        var result = sent.Request;
        var isPhase = command.Kind == ControlKind.Timeout;
        if (result.AlreadyEnded is { } ended)
        {
            return ApiProblems.Create(
                StatusCodes.Status409Conflict, isPhase ? "Phase already ended" : "Run already ended", ended, isPhase ? "phase_id" : "run_id");
        }

        var location = $"/runs/{Uri.EscapeDataString(result.RunId)}" + (isPhase ? "/phases" : string.Empty);
        return TypedResults.Accepted(location, new ControlAccepted(
            ControlCommand.WordOf(command.Kind), command.TargetId, sent.FilePath, command.Content, result.RequestId, result.EndedNow ? "ABORTED" : null));
    }
}
