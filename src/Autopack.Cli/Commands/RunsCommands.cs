using System.CommandLine;
using System.Globalization;
using Autopack.Api.Runs;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack runs create|list|show|stop|abort</c>.</summary>
public static class RunsCommands
{
    public static Command Create(string cwd)
    {
        var runs = new Command("runs", "Create, list and control runs.");
        runs.Add(CreateCommand(cwd));
        runs.Add(ListCommand(cwd));
        runs.Add(ShowCommand(cwd));
        runs.Add(ControlCommandFor(cwd, ControlKind.Stop, "stop", "Stop a run gracefully (writes .stop_executor); it is PAUSED and resumable."));
        runs.Add(ControlCommandFor(cwd, ControlKind.Abort, "abort", "Abort a run now (writes .abort_run); it is ABORTED."));
        return runs;
    }

    private static Command CreateCommand(string cwd)
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The plan (JSON, see examples/).", Required = true };
        var command = new Command("create", "Create a QUEUED run from a plan file.") { file };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var plan = await PlanFile.ReadAsync(ctx.ResolvePath(parse.GetRequiredValue(file).ToString()), ct).ConfigureAwait(false);
            var database = ctx.MigratedDatabase();
            var caps = new CapDefaults(ctx.Settings.Executor.Budget.RunTokenCap, ctx.Settings.Executor.Budget.PhaseCapPolicy);
            var origin = await PlanWorkspace.ResolveAsync(plan, new RunWorkspaces(new CommandRunner()), ctx.WorkingDirectory, ct).ConfigureAwait(false);
            var runId = await new RunStore(database, ctx.Time).CreateAsync(plan, caps, origin, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(runId).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command ListCommand(string cwd)
    {
        var status = new Option<string?>("--status") { Description = "Only runs in this status (e.g. EXECUTING)." };
        var limit = new Option<int>("--limit") { Description = "At most this many runs, newest first.", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List runs, newest first.") { status, limit };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            RunStatus? filter = null;
            if (parse.GetValue(status) is { } s)
            {
                filter = StatusNames.TryParseRun(s.ToUpperInvariant(), out var parsed)
                    ? parsed
                    : throw new CliException($"--status: '{s}' is not a run status ({string.Join(", ", StatusNames.AllRunNames)})", 2);
            }

            var limitValue = parse.GetValue(limit);
            if (limitValue is < 1 or > 10_000)
            {
                throw new CliException("--limit: must be from 1 to 10000", 2);
            }

            var list = await new RunStore(ctx.MigratedDatabase(), ctx.Time).ListAsync(filter, limitValue, 0, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"{"RUN_ID",-36} {"STATUS",-16} {"PHASES",-8} {"TOKENS",-24} CREATED").ConfigureAwait(false);
            foreach (var run in list)
            {
                await ctx.Out.WriteLineAsync(
                    $"{run.RunId,-36} {run.Status.ToName(),-16} {run.PhasesComplete + "/" + run.PhasesTotal,-8} {run.TokensUsed + "/" + run.TokenCap,-24} {run.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command ShowCommand(string cwd)
    {
        var runId = new Argument<string>("run-id") { Description = "The run." };
        var command = new Command("show", "Show a run with its tiers and phases.") { runId };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var run = await new RunStore(ctx.MigratedDatabase(), ctx.Time).GetAsync(parse.GetRequiredValue(runId), ct).ConfigureAwait(false);
            var o = ctx.Out;
            await o.WriteLineAsync($"run:      {run.RunId}").ConfigureAwait(false);
            await o.WriteLineAsync($"status:   {run.Status.ToName()}").ConfigureAwait(false);
            await o.WriteLineAsync($"goal:     {run.Goal}").ConfigureAwait(false);
            await o.WriteLineAsync($"cap:      {run.TokenCap}").ConfigureAwait(false);
            await o.WriteLineAsync($"repo:     {run.Repository ?? "(an empty repository initialised for the run)"}").ConfigureAwait(false);
            await o.WriteLineAsync($"branch:   {run.Branch}" + (run.BaseCommit is null ? string.Empty : $" (from {run.BaseCommit[..Math.Min(12, run.BaseCommit.Length)]})")).ConfigureAwait(false);
            await o.WriteLineAsync($"worktree: {ctx.Runtime.WorkspacePath(run.RunId)}").ConfigureAwait(false);
            if (run.FailureReason is not null)
            {
                await o.WriteLineAsync($"reason:   {run.FailureReason}").ConfigureAwait(false);
            }

            var commits = run.Phases.Where(p => p.CommitSha is not null).ToList();
            await o.WriteLineAsync($"commits:  {commits.Count}").ConfigureAwait(false);
            foreach (var phase in commits)
            {
                await o.WriteLineAsync($"  {phase.CommitSha![..12]} {phase.PhaseId} {phase.PhaseName}").ConfigureAwait(false);
            }

            foreach (var tier in run.Tiers)
            {
                await o.WriteLineAsync($"tier {tier.Position}: {tier.Name}").ConfigureAwait(false);
                foreach (var phase in run.Phases.Where(p => p.TierId == tier.TierId))
                {
                    await o.WriteLineAsync(
                        $"  {phase.PhaseId,-32} {phase.Status.ToName(),-16} attempts {phase.Attempts}/{phase.MaxAttempts}  cap {phase.TokenCap}  {phase.PhaseName}"
                        + (phase.FailureReason is null ? string.Empty : $"  ({phase.FailureReason})")).ConfigureAwait(false);
                    if (phase.Builder() is { } builder)
                    {
                        await o.WriteLineAsync($"    builder: {builder.Command}  (timeout {builder.TimeoutSeconds ?? BuilderPlan.DefaultTimeoutSeconds} s)").ConfigureAwait(false);
                    }

                    if (phase.Models() is { Count: > 0 } models)
                    {
                        await o.WriteLineAsync($"    models:  {string.Join(", ", models)}  (attempt N uses the Nth, later attempts the last)").ConfigureAwait(false);
                    }

                    if (phase.Scope() is { Count: > 0 } scope)
                    {
                        await o.WriteLineAsync($"    scope:   {string.Join(", ", scope)}").ConfigureAwait(false);
                    }
                }
            }

            return 0;
        });
        return command;
    }

    private static Command ControlCommandFor(string cwd, ControlKind kind, string name, string description)
    {
        var runId = new Argument<string>("run-id") { Description = "The run." };
        var command = new Command(name, description) { runId };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var id = parse.GetRequiredValue(runId);
            var line = await ControlFileCommand.RequestAsync(ctx, new ControlCommand(kind, id), ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(line).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
