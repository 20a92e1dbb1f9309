using Autopack.Executor.Building;
using Autopack.Executor.Calls;
using Autopack.Executor.Control;
using Autopack.Executor.Running;
using Autopack.Gateway;
using Autopack.Llm;
using Autopack.Storage;
using Autopack.Storage.Leases;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace Autopack.Executor.Hosting;

/// <summary>
/// The executor process: a generic host that drives one run (<see cref="RunDriver"/>), watches the control files
/// (<see cref="ControlFileWatcher"/>) and keeps its lease (<see cref="LeaseHeartbeat"/>). Logs go to
/// <c>.autonomous_runs/&lt;run-id&gt;/executor.log</c> and the console.
/// </summary>
public static class ExecutorHost
{
    public static IHost Build(ExecutorSettings settings, string runId, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var runtime = new RuntimeFolder(settings.Storage.RunsDirectory);
        Directory.CreateDirectory(runtime.RunFolder(runId));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSerilog(new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .WriteTo.File(runtime.ExecutorLogPath(runId), outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} [{Level:u3}] {Message:lj}{NewLine}{Exception}", flushToDiskInterval: TimeSpan.FromSeconds(1))
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Warning)
            .CreateLogger(), dispose: true);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(settings.Storage);
        services.AddSingleton(settings.Budget);
        services.AddSingleton(TimeProvider.System);
        services.AddAutopackStorage(settings.Storage.DatabasePath);
        services.AddAutopackLlm(settings.Llm);
        services.AddSingleton<BudgetedLlmClient>();
        services.AddSingleton(runtime);
        var identity = ExecutorIdentity.ForCurrentProcess(runId);
        services.AddSingleton(identity);

        // Every write about this run checks, in its own transaction, that this executor still holds the lease.
        services.AddSingleton(new LeaseFence(runId, identity.OwnerId));
        services.AddSingleton<ExecutorOutcome>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<ControlInbox>();
        services.AddSingleton<CommandRunner>();
        services.AddSingleton<RunWorkspaces>();
        services.AddSingleton<PausingLlmCaller>();
        services.AddSingleton<BuilderLoop>();

        // The metered endpoint for external builders: started only when a phase's attempt asks for it (ADR-037).
        services.AddAutopackGateway();
        services.AddSingleton<ExternalBuilder>();
        services.AddSingleton<AgentBuilder>();
        services.AddSingleton<VerifyRunner>();
        services.AddSingleton<PhaseRunner>();
        services.AddHostedService<ControlFileWatcher>();
        services.AddHostedService<LeaseHeartbeat>();
        services.AddHostedService<RunDriver>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        configure?.Invoke(services);
        return builder.Build();
    }

    /// <summary>Runs the executor to the run's end; returns the exit code and a one-line reason.</summary>
    public static async Task<ExecutorOutcome> RunAsync(ExecutorSettings settings, string runId, CancellationToken cancellationToken)
    {
        using var host = Build(settings, runId);
        var outcome = host.Services.GetRequiredService<ExecutorOutcome>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }
}
