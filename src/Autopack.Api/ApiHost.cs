using Autopack.Api.Database;
using Autopack.Api.Hosting;
using Autopack.Storage;

namespace Autopack.Api;

/// <summary>
/// Runs the API server in this process until the cancellation token fires or the host is told to
/// stop (SIGTERM, Ctrl+C): what <c>autopack serve</c> does. Settings and the bind are checked before anything
/// listens; the database is not migrated here (that is <c>autopack db migrate</c>).
/// </summary>
public static class ApiHost
{
    public static async Task RunAsync(string workingDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var reader = AutopackConfiguration.Build(workingDirectory).Reader();
        var settings = ApiSettings.Load(reader, StorageSettings.Load(reader));
        BindGuard.Ensure(settings);

        await using var app = AutopackApi.Build([], workingDirectory);
        var host = settings.BindAddress.Contains(':', StringComparison.Ordinal) ? $"[{settings.BindAddress}]" : settings.BindAddress;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BindFailure.Describe(ex, host, settings.Port) is { } refused)
        {
            throw refused;
        }

        var probe = app.Services.GetRequiredService<DatabaseProbe>();
        await output.WriteLineAsync($"autopack API listening on http://{host}:{settings.Port} (database {probe.Description}, identity {probe.Identity})").ConfigureAwait(false);
        var database = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        if (database.Problem is { } problem)
        {
            await output.WriteLineAsync($"warning: {problem}; /ready answers 503 until then").ConfigureAwait(false);
        }

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }
}
