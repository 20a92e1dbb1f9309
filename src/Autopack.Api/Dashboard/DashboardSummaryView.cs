using Autopack.Api.Alerts;
using Autopack.Api.Breakers;
using Autopack.Api.Queue;
using Autopack.Api.Runs;

namespace Autopack.Api.Dashboard;

/// <summary>
/// GET /dashboard/api/summary: what the runs page shows, in one answer: a page of runs (as GET /runs gives it),
/// the number of runs in each status, breakers, executors with their heartbeat age, active alerts, the newest events,
/// and the run queue (mode, dispatch, executing_limit, counts and workers, as GET /queue gives it).
/// </summary>
public sealed record DashboardSummaryView(
    DateTime GeneratedAt,
    bool ApiKeyRequired,
    string DatabaseIdentity,
    RunListView Runs,
    IReadOnlyDictionary<string, long> StatusCounts,
    IReadOnlyList<BreakerView> CircuitBreakers,
    IReadOnlyList<ExecutorView> Executors,
    IReadOnlyList<Alert> Alerts,
    IReadOnlyList<EventView> RecentEvents,
    QueueView Queue);
