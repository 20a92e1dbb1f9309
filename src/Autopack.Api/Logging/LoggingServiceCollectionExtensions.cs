using Autopack.Api.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Autopack.Api.Logging;

/// <summary>
/// Serilog: compact JSON lines to AUTOPACK_LOG_PATH (shared, so executors may append to the same file) and
/// readable lines on the console. An unusable log path leaves the console only, with one warning.
/// </summary>
public static class LoggingServiceCollectionExtensions
{
    public const long FileSizeLimitBytes = 100L * 1024 * 1024;

    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}";

    public static IServiceCollection AddAutopackLogging(this IServiceCollection services)
    {
        services.AddSingleton(sp => LogDestination.Prepare(sp.GetRequiredService<InstallationPaths>().LogPath));
        services.AddSerilog(
            (sp, logger) =>
            {
                var destination = sp.GetRequiredService<LogDestination>();

                // The console gets one line per event; stack traces go to the JSON file (or, without one, the console).
                logger.MinimumLevel.Information()
                    .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                    .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                    .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                    .Enrich.FromLogContext()
                    .Enrich.WithProperty("Process", "api")
                    .WriteTo.Console(outputTemplate: destination.FileUsable ? ConsoleTemplate : ConsoleTemplate + "{Exception}");
                if (destination.FileUsable)
                {
                    logger.WriteTo.File(
                        new CompactJsonFormatter(),
                        destination.Path,
                        fileSizeLimitBytes: FileSizeLimitBytes,
                        shared: true,
                        rollOnFileSizeLimit: true,
                        retainedFileCountLimit: 10);
                }
            },
            preserveStaticLogger: true);
        return services;
    }

    /// <summary>The one warning of a fallback to console-only logging.</summary>
    public static WebApplication WarnIfLogFileUnusable(this WebApplication app)
    {
        var destination = app.Services.GetRequiredService<LogDestination>();
        if (!destination.FileUsable)
        {
            app.Logger.LogWarning(
                "AUTOPACK_LOG_PATH {LogPath} is unusable ({Problem}); logging to the console only",
                destination.Path,
                destination.Problem);
        }

        return app;
    }
}
