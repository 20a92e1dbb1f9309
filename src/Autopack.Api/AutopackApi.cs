using Autopack.Api.Backup;
using Autopack.Api.Breakers;
using Autopack.Api.Dashboard;
using Autopack.Api.Errors;
using Autopack.Api.Health;
using Autopack.Api.Hosting;
using Autopack.Api.Logging;
using Autopack.Api.Monitoring;
using Autopack.Api.OpenApi;
using Autopack.Api.Phases;
using Autopack.Api.Queue;
using Autopack.Api.RateLimiting;
using Autopack.Api.Runs;
using Autopack.Api.Security;
using Autopack.Domain.Budgets;
using Serilog;

namespace Autopack.Api;

/// <summary>
/// Composes the API server: settings (autopack.json + environment), logging, Kestrel binding, problem
/// details, API key, rate limiting, monitoring, and the endpoint groups. Program.cs and <see cref="ApiHost"/> both
/// start from here, so tests exercise exactly what <c>autopack serve</c> runs.
/// </summary>
public static class AutopackApi
{
    public static WebApplication Build(string[] args, string? workingDirectory = null)
    {
        var directory = workingDirectory ?? Directory.GetCurrentDirectory();
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddAutopackSources(directory);
        builder.Services
            .AddAutopackSettings(directory)
            .AddScheduledBackups(directory)
            .AddAutopackLogging()
            .AddAutopackKestrel()
            .AddApiJson()
            .AddApiProblems()
            .AddApiKeyCheck()
            .AddClientRateLimiting()
            .AddApiMonitoring()
            .AddSingleton<FinishedRunCache>()
            .AddApiDocument();

        var app = builder.Build();

        // A bad setting or an unsafe bind stops start-up here, naming the setting.
        app.Services.GetRequiredService<BudgetSettings>();
        BindGuard.Ensure(app.Services.GetRequiredService<ApiSettings>());
        app.WarnIfLogFileUnusable();

        app.UseAutopackPipeline();

        // The rate limiter is global, so any request can be refused with 429; an unprefixed group says so once.
        var endpoints = app.MapGroup(string.Empty).ProducesProblem(StatusCodes.Status429TooManyRequests);
        endpoints.MapRunsApi();
        endpoints.MapPhasesApi();
        endpoints.MapAttemptsApi();
        endpoints.MapBreakersApi();
        endpoints.MapQueueApi();
        endpoints.MapHealthApi();
        endpoints.MapApiMetrics();
        endpoints.MapDashboard();
        app.MapOpenApi();
        return app;
    }

    /// <summary>
    /// The middleware, outermost first: count 500s, log requests (errors and slow ones unless AUTOPACK_LOG_REQUESTS=all), route, measure, turn exceptions and empty
    /// error answers into problem details, rate-limit per client, check the API key on mutating requests.
    /// </summary>
    public static WebApplication UseAutopackPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ServerErrorCountingMiddleware>();
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.GetLevel = RequestLogLevels.For(app.Services.GetRequiredService<ApiSettings>());
        });
        app.UseRouting();
        app.UseApiHttpMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseMiddleware<ApiKeyMiddleware>();
        return app;
    }
}
