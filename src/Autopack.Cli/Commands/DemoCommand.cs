using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Autopack.Api;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Worker;
using Autopack.Workspace.Processes;

namespace Autopack.Cli.Commands;

/// <summary>
/// <c>autopack demo</c>, the newcomer's first command: migrates the database, starts the server, makes the sample
/// repository (a failing test), submits the sample plan through the API, runs a separate executor process on the
/// offline provider, prints where the dashboard is and the branch the run made (its commits and diff stat), and
/// keeps serving until interrupted.
/// </summary>
public static class DemoCommand
{
    public const int DefaultDemoLatencyMs = 400;

    /// <summary>Where the demo keeps the sample repository, relative to its working folder (the plan's workspace.repository).</summary>
    public const string SampleFolder = "sample-service";

    public static Command Create(string cwd)
    {
        var noWait = new Option<bool>("--exit-when-done") { Description = "Stop the server once the demo run ends instead of serving until interrupted." };
        var command = new Command("demo", "Migrate, serve, submit the sample plan and execute it on the offline provider; keeps serving until Ctrl+C.") { noWait };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var settings = ctx.ResolvedSettings.Api;
            if (ctx.Database is SqliteDatabase sqlite)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(sqlite.FullPath)!);
            }

            var migrator = new DatabaseMigrator(ctx.Database);
            migrator.MigrateUp();
            await ctx.Out.WriteLineAsync($"database {ctx.Database.Location} at schema {migrator.CurrentVersion()}").ConfigureAwait(false);

            using var serverStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var server = ApiHost.RunAsync(ctx.WorkingDirectory, ctx.Out, serverStop.Token);
            var host = settings.BindIsLoopback && !settings.BindAddress.Contains(':', StringComparison.Ordinal) ? settings.BindAddress : "127.0.0.1";
            var baseUri = new Uri($"http://{(host == "localhost" ? "127.0.0.1" : host)}:{settings.Port}/");
            using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
            if (settings.ApiKey is not null)
            {
                http.DefaultRequestHeaders.Add("X-API-Key", settings.ApiKey);
            }

            await WaitReadyAsync(http, server, ct).ConfigureAwait(false);
            var runner = new CommandRunner();
            var sample = ctx.ResolvePath(SampleFolder);
            if (!Directory.Exists(sample))
            {
                await SampleRepository.CreateAsync(sample, runner, ct).ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"sample repository {sample}: sh test.sh fails until GET /health exists").ConfigureAwait(false);
            }

            var runId = await FreeRunIdAsync(new RunStore(ctx.Database, ctx.Time), ct).ConfigureAwait(false);
            await SubmitSamplePlanAsync(http, runId, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"submitted run {runId}; dashboard: {baseUri}dashboard  health: {baseUri}health").ConfigureAwait(false);

            var exit = await ExecuteInChildProcessAsync(ctx, runId, ct).ConfigureAwait(false);
            var run = await new RunStore(ctx.Database, ctx.Time).GetAsync(runId, ct).ConfigureAwait(false);
            var usage = await new UsageQueries(ctx.Database).GetRunUsageAsync(runId, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(
                $"run {runId} ended {Domain.Runs.StatusNames.ToName(run.Status)} (executor exit {exit}); {usage.TotalTokens} of {usage.TokenCap} tokens in {usage.Calls} calls").ConfigureAwait(false);
            await PrintBranchAsync(ctx, runner, run, sample, ct).ConfigureAwait(false);

            if (parse.GetValue(noWait))
            {
                await serverStop.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await ctx.Out.WriteLineAsync($"serving on {baseUri} until Ctrl+C; try: curl {baseUri}health").ConfigureAwait(false);
            }

            try
            {
                await server.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Interrupted: the normal way to end the demo.
            }

            return exit;
        });
        return command;
    }

    private static async Task WaitReadyAsync(HttpClient http, Task server, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (server.IsCompleted)
            {
                await server.ConfigureAwait(false); // surfaces the server's start-up error
                throw new CliException("the server stopped before it was ready");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("ready", UriKind.Relative), ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        throw new CliException($"the server did not become ready on {http.BaseAddress} within 30 s");
    }

    /// <summary>demo-1, demo-2, ...: the first id this installation has not used, so the README's ids are the first demo's.</summary>
    private static async Task<string> FreeRunIdAsync(RunStore runs, CancellationToken ct)
    {
        for (var n = 1; ; n++)
        {
            var id = $"demo-{n}";
            if (await runs.FindAsync(id, ct).ConfigureAwait(false) is null)
            {
                return id;
            }
        }
    }

    /// <summary>The branch, its commits and what they changed, read from the sample repository with git.</summary>
    private static async Task PrintBranchAsync(CliContext ctx, CommandRunner runner, Storage.Entities.RunRow run, string sample, CancellationToken ct)
    {
        await ctx.Out.WriteLineAsync($"branch {run.Branch} in {sample} (worktree {ctx.Runtime.WorkspacePath(run.RunId)}):").ConfigureAwait(false);
        if (run.BaseCommit is null)
        {
            return;
        }

        var options = new CommandOptions(TimeSpan.FromSeconds(30));
        var log = await runner.RunAsync("git", ["log", "--reverse", "--format=  %h %s", $"{run.BaseCommit}..{run.Branch}"], sample, options, ct).ConfigureAwait(false);
        var stat = await runner.RunAsync("git", ["diff", "--stat", run.BaseCommit, run.Branch!], sample, options, ct).ConfigureAwait(false);
        await ctx.Out.WriteAsync(log.Output).ConfigureAwait(false);
        await ctx.Out.WriteAsync(stat.Output).ConfigureAwait(false);
    }

    private static async Task SubmitSamplePlanAsync(HttpClient http, string runId, CancellationToken ct)
    {
        await using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("demo-plan.json")
            ?? throw new CliException("the sample plan is missing from this build");
        var plan = (await JsonNode.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false))!.AsObject();

        // Each demo is a new run: fresh ids (phases get <run-id>-p1, -p2 ...), so the demo can be repeated in one installation.
        plan["run_id"] = runId;
        foreach (var phase in plan["tiers"]!.AsArray().SelectMany(t => t!["phases"]!.AsArray()))
        {
            phase!.AsObject().Remove("phase_id");
        }

        using var content = new StringContent(plan.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await http.PostAsync(new Uri("runs", UriKind.Relative), content, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"POST /runs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    /// <summary>The executor is a separate process, as in production: this same autopack binary with `execute`.</summary>
    private static async Task<int> ExecuteInChildProcessAsync(CliContext ctx, string runId, CancellationToken ct)
    {
        ExecutorLauncher launcher;
        try
        {
            launcher = ExecutorLauncher.ForCurrentProcess();
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ex.Message);
        }

        var info = new ProcessStartInfo(launcher.Program) { WorkingDirectory = ctx.WorkingDirectory, UseShellExecute = false };
        foreach (var argument in launcher.ExecuteArguments(runId))
        {
            info.ArgumentList.Add(argument);
        }
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AUTOPACK_OFFLINE_LATENCY_MS")))
        {
            // Slow enough to watch on the dashboard, short enough to finish in seconds.
            info.Environment["AUTOPACK_OFFLINE_LATENCY_MS"] = DefaultDemoLatencyMs.ToString(CultureInfo.InvariantCulture);
        }

        using var process = Process.Start(info) ?? throw new CliException("could not start the executor");
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C reaches the child too (same process group); give it its graceful stop.
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return process.ExitCode;
    }
}
