using Autopack.Api.Alerts;
using Autopack.Api.Runs;

namespace Autopack.Api.Dashboard;

/// <summary>
/// GET /dashboard/api/runs/{run_id}: the run with its tiers and phases (as GET /runs/{run_id} gives it), the executor
/// holding it, the alerts about it or its phases, and its newest events.
/// </summary>
public sealed record DashboardRunView(
    DateTime GeneratedAt,
    bool ApiKeyRequired,
    RunDetailView Run,
    ExecutorView? Executor,
    IReadOnlyList<Alert> Alerts,
    EventPageView Events);
