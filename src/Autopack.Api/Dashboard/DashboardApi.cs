using System.Globalization;
using Autopack.Api.Alerts;
using Autopack.Api.Breakers;
using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Api.Hosting;
using Autopack.Api.Queue;
using Autopack.Api.Runs;
using Autopack.Api.Security;
using Autopack.Domain.Runs;
using Autopack.Storage;
using Autopack.Storage.Breakers;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Autopack.Storage.Queue;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Autopack.Api.Dashboard;

/// <summary>
/// /dashboard: the operator's page (static HTML, CSS and JavaScript embedded in this assembly; the page draws
/// everything from the JSON below and polls it) and the JSON it reads under /dashboard/api. Actions on the page
/// POST to the existing endpoints (stop, abort, timeout, breaker reset), so the API key check is the same.
/// </summary>
public static class DashboardApi
{
    public const int DefaultRunsPerPage = 25;
    public const int RecentEventsOnSummary = 15;

    /// <summary>
    /// The page loads nothing from elsewhere and runs no inline script, so the policy can be strict: even if some
    /// text from the API ever reached the DOM as markup, no script could run from it.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly string[] PageMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var pages = app.MapGroup("/dashboard").WithTags("Dashboard").ExcludeFromDescription();
        pages.MapMethods(string.Empty, PageMethods, GetPage).WithName("DashboardPage");
        pages.MapMethods("/runs/{run_id}", PageMethods, GetPage).WithName("DashboardRunPage");
        pages.MapMethods("/assets/{file}", PageMethods, GetAsset).WithName("DashboardAsset");

        var api = app.MapGroup("/dashboard/api").WithTags("Dashboard").RequireMigratedDatabase();
        api.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            context.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
            return await next(context).ConfigureAwait(false);
        });
        api.MapGet("/summary", GetSummary).WithName("DashboardSummary").WithSummary("The overview page's data");
        api.MapGet("/runs/{run_id}", GetRun).WithName("DashboardRun").WithSummary("The run page's data")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/runs/{run_id}/events", GetRunEvents).WithName("DashboardRunEvents").WithSummary("Older events of a run, by page")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/usage-over-time", GetUsageOverTime).WithName("DashboardUsageOverTime").WithSummary("Token usage over a time window, for all runs or one")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The one HTML page; it reads the path (<c>/dashboard</c> or <c>/dashboard/runs/{run_id}</c>) itself.</summary>
    public static IResult GetPage(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Serve(context, DashboardAssets.Embedded.Index);
    }

    public static IResult GetAsset(string file, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var asset = file == DashboardAssets.IndexName ? null : DashboardAssets.Embedded.Find(file);
        return asset is null
            ? ApiProblems.Create(StatusCodes.Status404NotFound, "Not found", $"the dashboard has no file '{file}'")
            : Serve(context, asset);
    }

    public static async Task<Results<Ok<DashboardSummaryView>, ValidationProblem>> GetSummary(
        AutopackDatabase database,
        RunStore store,
        BreakerStates breakers,
        ExecutorLeases leases,
        AlertEvaluator alerts,
        QueueReader queue,
        ApiKeyVerifier apiKey,
        StorageSettings storage,
        TimeProvider time,
        string? status,
        string? limit,
        string? offset,
        CancellationToken cancellationToken)
    {
        // The same query parameters, bounds and messages as GET /runs.
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (RunsPageQuery.Parse(status, limit, offset, DefaultRunsPerPage, errors) is not { } query)
        {
            return ApiProblems.InvalidQuery(errors);
        }

        var (filter, limitValue, offsetValue) = query;
        var now = time.GetUtcNow().UtcDateTime;
        var statusCounts = await StatusCounts.RunsAsync(database, cancellationToken).ConfigureAwait(false);
        var total = StatusCounts.Matching(statusCounts, filter);
        var runs = await store.ListAsync(filter, limitValue, offsetValue, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<BreakerView> breakerViews = (await breakers.ListAsync(cancellationToken).ConfigureAwait(false)).Select(BreakerView.From).ToList();
        IReadOnlyList<ExecutorView> executors = (await leases.ListAsync(cancellationToken).ConfigureAwait(false))
            .Select(l => ExecutorView.From(l, now, storage.LeaseStaleSeconds)).ToList();
        var active = await alerts.EvaluateAsync(databaseMigrated: true, cancellationToken).ConfigureAwait(false);
        var events = await EventPages.ReadAsync(database, null, null, RecentEventsOnSummary, cancellationToken).ConfigureAwait(false);
        var queueStatus = await queue.ReadAsync(TimeSpan.FromSeconds(storage.LeaseStaleSeconds), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new DashboardSummaryView(
            now,
            apiKey.KeyRequired,
            database.Identity,
            new RunListView(runs, total, limitValue, offsetValue, filter?.ToName()),
            statusCounts,
            breakerViews,
            executors,
            active,
            events.Events,
            QueueView.From(queueStatus)));
    }

    public static async Task<Ok<DashboardRunView>> GetRun(
        [FromRoute(Name = "run_id")] string runId,
        RunStore store,
        UsageQueries usage,
        AutopackDatabase database,
        ExecutorLeases leases,
        AlertEvaluator alerts,
        ApiKeyVerifier apiKey,
        StorageSettings storage,
        RuntimeFolder runtime,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        var used = await usage.GetRunUsageAsync(runId, cancellationToken).ConfigureAwait(false);
        var detail = RunDetailView.From(run, used);
        var now = time.GetUtcNow().UtcDateTime;
        var lease = (await leases.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(l => l.RunId == run.RunId);
        var subjects = run.Phases.Select(p => p.PhaseId).Append(run.RunId).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<Alert> runAlerts = (await alerts.EvaluateAsync(databaseMigrated: true, cancellationToken).ConfigureAwait(false))
            .Where(a => subjects.Contains(a.Subject)).ToList();
        var events = await EventPages.ReadAsync(database, run.RunId, null, EventPages.DefaultLimit, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PhaseAttemptsView> attempts = run.Phases.Where(p => p.Attempts > 0 || p.CommitSha is not null)
            .Select(p => new PhaseAttemptsView(p.PhaseId, p.PhaseName, AttemptsApi.List(runtime, run.RunId, p.PhaseId)))
            .Where(p => p.Attempts.Count > 0)
            .ToList();
        return TypedResults.Ok(new DashboardRunView(
            now, apiKey.KeyRequired, detail, lease is null ? null : ExecutorView.From(lease, now, storage.LeaseStaleSeconds), runAlerts, events, attempts));
    }

    /// <remarks>Older events of a run: <c>?before=&lt;id&gt;</c> (exclusive) and <c>?limit=</c> (1-500, default 50).</remarks>
    public static async Task<Results<Ok<EventPageView>, ValidationProblem>> GetRunEvents(
        [FromRoute(Name = "run_id")] string runId, RunStore store, AutopackDatabase database, string? before, string? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var beforeId = QueryNumber.Parse(before, "before", 1, long.MaxValue, errors);
        var count = QueryNumber.Parse(limit, "limit", 1, EventPages.MaxLimit, errors) ?? EventPages.DefaultLimit;
        if (errors.Count > 0)
        {
            return ApiProblems.InvalidQuery(errors);
        }

        var run = await store.FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);
        return TypedResults.Ok(await EventPages.ReadAsync(database, run.RunId, beforeId, (int)count, cancellationToken).ConfigureAwait(false));
    }

    /// <remarks>
    /// <c>?window=1h|6h|24h</c> (default 1h) for all runs, or <c>?run_id=</c> for one run, whose default window
    /// (<c>run</c>) spans its life: from its creation to its end, or to now while it is active.
    /// </remarks>
    public static async Task<Results<Ok<UsageTimelineView>, ValidationProblem>> GetUsageOverTime(
        AutopackDatabase database, RunStore store, TimeProvider time, string? window, [FromQuery(Name = "run_id")] string? runId, CancellationToken cancellationToken)
    {
        var name = window ?? (runId is null ? UsageTimeline.DefaultWindow : UsageTimeline.RunWindow);
        var now = time.GetUtcNow().UtcDateTime;
        DateTime from;
        var to = now;
        if (name == UsageTimeline.RunWindow)
        {
            if (runId is null)
            {
                return ApiProblems.InvalidQuery(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["run_id"] = ["is required with window=run"] });
            }

            var run = await store.FindAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("run", runId);
            (from, to) = RunSpan(run.CreatedAt, run.FinishedAt, now);
        }
        else if (UsageTimeline.Windows.TryGetValue(name, out var span))
        {
            if (runId is not null && await store.FindAsync(runId, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new NotFoundException("run", runId);
            }

            from = now - span;
        }
        else
        {
            var allowed = string.Join(", ", UsageTimeline.Windows.Keys.Append(UsageTimeline.RunWindow));
            return ApiProblems.InvalidQuery(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["window"] = [$"'{name}' is not a window ({allowed})"] });
        }

        return TypedResults.Ok(await UsageTimeline.ReadAsync(database, name, runId, from, to, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The run's life: from its creation to its end, or to now while it is active; at least
    /// <see cref="UsageTimeline.MinimumRunSpan"/> long, reaching back from that end, so that a short run's few
    /// minutes are not each drawn as a wide bar.
    /// </summary>
    public static (DateTime From, DateTime To) RunSpan(DateTime createdAt, DateTime? finishedAt, DateTime now)
    {
        var to = finishedAt ?? now;
        if (to < createdAt)
        {
            to = createdAt;
        }

        return (to - createdAt < UsageTimeline.MinimumRunSpan ? to - UsageTimeline.MinimumRunSpan : createdAt, to);
    }

    private static IResult Serve(HttpContext context, DashboardAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";

        // Revalidate every time (a 304 costs nothing), so an upgraded server's page is used at once.
        headers.CacheControl = "no-cache";
        return TypedResults.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue(asset.ETag));
    }

}
