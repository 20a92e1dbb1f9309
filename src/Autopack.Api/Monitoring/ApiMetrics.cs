using Prometheus;

namespace Autopack.Api.Monitoring;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (not prometheus-net's static default), so each
/// host, including each test host, exposes only its own figures. The HTTP golden signals come from
/// prometheus-net's middleware on the same registry; the rest is set at scrape time by <see cref="MetricsCollector"/>.
/// </summary>
public sealed class ApiMetrics
{
    public ApiMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        Factory = Metrics.WithCustomRegistry(Registry);
        DotNetStats.Register(Registry);
        ServerErrors = Factory.CreateCounter("autopack_http_server_errors_total", "HTTP 500 answers since the server started.");
        ServerErrorsRecent = Factory.CreateGauge("autopack_http_server_errors_recent", "HTTP 500 answers in the last 10 minutes (alert above 5).");
        Runs = Factory.CreateGauge("autopack_runs", "Runs by status.", ["status"]);
        Phases = Factory.CreateGauge("autopack_phases", "Phases by status.", ["status"]);
        TokensUsed = Factory.CreateGauge("autopack_tokens_used", "Tokens (prompt + completion) recorded across all runs.");
        RunTokensUsed = Factory.CreateGauge("autopack_run_tokens_used", "Tokens used by each active (QUEUED, EXECUTING, PAUSED) run.", ["run_id"]);
        RunTokenCap = Factory.CreateGauge("autopack_run_token_cap", "Token cap of each active run.", ["run_id"]);
        BreakerState = Factory.CreateGauge("autopack_circuit_breaker_state", "1 for the state each circuit breaker was last published in.", ["breaker", "state"]);
        OldestQueuedPhaseAge = Factory.CreateGauge("autopack_oldest_queued_phase_age_seconds", "Age of the oldest QUEUED phase (0 when none).");
        Executors = Factory.CreateGauge("autopack_executors", "Executors holding a run lease, by heartbeat freshness.", ["heartbeat"]);
        QueueDepth = Factory.CreateGauge("autopack_queue_depth", "Runs waiting for a worker: QUEUED and not yet claimed, plus EXECUTING runs whose holder died.");
        QueueOldestAge = Factory.CreateGauge("autopack_queue_oldest_age_seconds", "Age of the oldest QUEUED run not yet claimed (0 when none).");
        QueueExecuting = Factory.CreateGauge("autopack_queue_executing", "Runs held by a live worker's claim or a live executor's lease (what executing_limit counts).");
        QueueDispatch = Factory.CreateGauge("autopack_queue_dispatch", "1 when workers may claim runs (dispatch on and mode NORMAL), else 0.");
        QueueDraining = Factory.CreateGauge("autopack_queue_draining", "1 when the mode is DRAINING, else 0.");
        Workers = Factory.CreateGauge("autopack_workers", "Workers by heartbeat freshness.", ["heartbeat"]);
        Alerts = Factory.CreateGauge("autopack_alerts", "Active alerts by kind.", ["kind"]);
        AlertsActive = Factory.CreateGauge("autopack_alerts_active", "Active alerts of every kind.");
        DatabaseUp = Factory.CreateGauge("autopack_database_up", "1 when the database is reachable and migrated, else 0.");
        DatabaseSizeBytes = Factory.CreateGauge("autopack_database_size_bytes", "SQLite: the database file plus its WAL; PostgreSQL: pg_database_size.");
        RateLimiterTrackedClients = Factory.CreateGauge("autopack_rate_limiter_tracked_clients", "Clients the rate limiter tracks (bounded by AUTOPACK_RATE_LIMIT_MAX_CLIENTS).");
    }

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    public Counter ServerErrors { get; }

    public Gauge ServerErrorsRecent { get; }

    public Gauge Runs { get; }

    public Gauge Phases { get; }

    public Gauge TokensUsed { get; }

    public Gauge RunTokensUsed { get; }

    public Gauge RunTokenCap { get; }

    public Gauge BreakerState { get; }

    public Gauge OldestQueuedPhaseAge { get; }

    public Gauge Executors { get; }

    public Gauge QueueDepth { get; }

    public Gauge QueueOldestAge { get; }

    public Gauge QueueExecuting { get; }

    public Gauge QueueDispatch { get; }

    public Gauge QueueDraining { get; }

    public Gauge Workers { get; }

    public Gauge Alerts { get; }

    public Gauge AlertsActive { get; }

    public Gauge DatabaseUp { get; }

    public Gauge DatabaseSizeBytes { get; }

    public Gauge RateLimiterTrackedClients { get; }
}
