namespace Autopack.Api.Alerts;

/// <summary>The alerts of the SPEC, by the names /health and /metrics use.</summary>
public static class AlertKinds
{
    public const string TokenUsage = "token_usage";
    public const string HttpServerErrors = "http_server_errors";
    public const string BreakerOpen = "breaker_open";
    public const string ExecutorStale = "executor_stale";

    public const string Warning = "warning";
    public const string Critical = "critical";

    public static IReadOnlyList<string> All { get; } = [TokenUsage, HttpServerErrors, BreakerOpen, ExecutorStale];
}
