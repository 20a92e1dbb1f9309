using Autopack.Api.Alerts;
using Autopack.Api.Database;
using Autopack.Api.Health;
using Autopack.Api.Hosting;
using Prometheus;

namespace Autopack.Api.Monitoring;

/// <summary>Health, readiness, alerts and metrics: their services, the HTTP metrics middleware, and GET /metrics.</summary>
public static class MonitoringExtensions
{
    public static IServiceCollection AddApiMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<ServerUptime>();
        services.AddSingleton<ServerErrorWindow>();
        services.AddSingleton<DatabaseProbe>();
        services.AddSingleton<DatabaseGate>();
        services.AddSingleton<AlertEvaluator>();
        services.AddSingleton<HealthReporter>();
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<MetricsCollector>();
        return services;
    }

    /// <summary>Request rate, errors and latency by route (endpoint) and status code.</summary>
    public static IApplicationBuilder UseApiHttpMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<ApiMetrics>();
        return app.UseHttpMetrics(options => options.SetMetricFactory(metrics.Factory));
    }

    public static IEndpointRouteBuilder MapApiMetrics(this IEndpointRouteBuilder app)
    {
        var metrics = app.ServiceProvider.GetRequiredService<ApiMetrics>();
        var collector = app.ServiceProvider.GetRequiredService<MetricsCollector>();
        metrics.Registry.AddBeforeCollectCallback(collector.CollectAsync);
        app.MapMetrics("/metrics", metrics.Registry).WithName("GetMetrics").WithTags("Health");
        return app;
    }
}
