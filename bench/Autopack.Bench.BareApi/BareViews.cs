namespace Autopack.Bench.BareApi;

// The JSON shape of autopack's RunDetailView and HealthReport (snake_case on the wire), as plain records.
internal sealed record BareRun(
    string RunId, string Status, string Goal, long TokenCap, long TokensUsed, int PhasesTotal, int PhasesComplete, DateTime CreatedAt,
    DateTime? StartedAt, DateTime? FinishedAt, string? FailureReason, IReadOnlyList<BareTier> Tiers, string? Repository, string? BaseCommit,
    string? Branch, IReadOnlyList<BareCommit> Commits);

internal sealed record BareTier(string Name, int Position, IReadOnlyList<BarePhase> Phases);

internal sealed record BarePhase(
    string PhaseId, string RunId, string? Tier, string PhaseName, int Position, string? Category, string? Complexity, string Goal, string Provider,
    string? Verify, string Status, long TokenCap, long TokensUsed, int Attempts, int MaxAttempts, DateTime CreatedAt, DateTime? StartedAt,
    DateTime? FinishedAt, string? FailureReason, string? CommitSha, int MaxTurns, IReadOnlyList<string>? Scope);

internal sealed record BareCommit(string Sha, string PhaseId, string PhaseName);

internal sealed record BareHealth(
    string Status, string? StatusReason, string BindAddress, int Port, string DatabaseIdentity, IReadOnlyDictionary<string, BareBreaker> CircuitBreakers,
    BareDbPool DbPoolHealth, double DbSizeMb, double? DiskFreeGb, long UptimeSeconds, BareSchema SchemaVersion, IReadOnlyList<object> Executors,
    BareRateLimiter RateLimiter, IReadOnlyList<object> Alerts, DateTime CheckedAt);

internal sealed record BareBreaker(string State, int FailureCount);

internal sealed record BareDbPool(bool Ok, double LatencyMs, bool Pooling, int BusyTimeoutMs, string? Error);

internal sealed record BareSchema(long Current, long Latest, bool UpToDate);

internal sealed record BareRateLimiter(int TrackedClients, int MaxClients, int PermitsPerMinute, long OverflowRequests);
