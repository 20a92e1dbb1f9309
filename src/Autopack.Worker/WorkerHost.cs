using Autopack.Storage;
using Autopack.Storage.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace Autopack.Worker;

/// <summary>
/// The worker process (<c>autopack worker</c>): a generic host with <see cref="WorkerHeartbeat"/> and
/// <see cref="WorkerService"/>. Logs go to the console (journald, <c>kubectl logs</c>); each executor keeps its own
/// log in <c>.autonomous_runs/&lt;run-id&gt;/executor.log</c> as well.
/// </summary>
public static class WorkerHost
{
    public static IHost Build(WorkerSettings settings, WorkerOptions options, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSerilog(new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Error)
            .CreateLogger(), dispose: true);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddAutopackStorage(settings.Storage.DatabasePath);
        services.AddSingleton(Identity(options.Concurrency));
        services.AddSingleton<WorkerPresence>();
        services.AddSingleton<WorkerOutcome>();

        // The heartbeat first: hosted services stop in reverse order, so it beats until the worker's executors have stopped.
        services.AddHostedService<WorkerHeartbeat>();
        services.AddHostedService<WorkerService>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.StopTimeout + TimeSpan.FromSeconds(3));
        configure?.Invoke(services);
        return builder.Build();
    }

    /// <summary>Runs the worker until it is stopped (SIGTERM, Ctrl+C); returns the exit code and a one-line summary.</summary>
    public static async Task<WorkerOutcome> RunAsync(WorkerSettings settings, WorkerOptions options, CancellationToken cancellationToken)
    {
        using var host = Build(settings, options);
        var outcome = host.Services.GetRequiredService<WorkerOutcome>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>A worker id operators can read: host, pid and a random suffix (a pid is reused across restarts).</summary>
    public static WorkerRegistration Identity(int concurrency)
    {
        var host = Environment.MachineName;
        var shortHost = host.Length > 40 ? host[..40] : host;
        return new WorkerRegistration($"{shortHost}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}", host, Environment.ProcessId, concurrency);
    }
}
