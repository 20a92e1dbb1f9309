using Autopack.Api.Alerts;
using Autopack.Api.Runs;

namespace Autopack.Api.Dashboard;

/// <summary>
/// GET /dashboard/api/runs/{run_id}: the run with its tiers and phases (as GET /runs/{run_id} gives it), the executor
/// holding it, the alerts about it or its phases, its newest events, and what each phase's attempts left (diff,
/// transcript, verify log, auditor's reply), by URL.
/// </summary>
public sealed record DashboardRunView(
    DateTime GeneratedAt,
    bool ApiKeyRequired,
    RunDetailView Run,
    ExecutorView? Executor,
    IReadOnlyList<Alert> Alerts,
    EventPageView Events,
    IReadOnlyList<PhaseAttemptsView> Attempts);

