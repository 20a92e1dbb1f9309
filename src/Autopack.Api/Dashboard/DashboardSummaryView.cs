using Autopack.Api.Alerts;
using Autopack.Api.Breakers;
using Autopack.Api.Runs;

namespace Autopack.Api.Dashboard;

/// <summary>
/// GET /dashboard/api/summary: what the runs page shows, in one answer: a page of runs (as GET /runs gives it),
/// the number of runs in each status, breakers, executors with their heartbeat age, active alerts and the newest events.
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
    IReadOnlyList<EventView> RecentEvents);
