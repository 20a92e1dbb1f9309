using System.CommandLine;
using System.Globalization;
using Autopack.Storage.Backup;
using Spectre.Console;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack backup [--output]</c> and <c>autopack backup prune --dir</c>.</summary>
public static class BackupCommands
{
    public static Command Create(string cwd)
    {
        var output = new Option<string>("--output")
        {
            Description = "The archive to write (.tar.gz). Default: autopack-backup-YYYYMMDD-HHMMSS.tar.gz in the current folder.",
        };
        var backup = new Command(
            "backup",
            "Back up the installation while it runs: a consistent database snapshot, the runtime folder's logs and artifacts, the build history (AUTOPACK_BUILD_HISTORY), and a manifest of checksums.")
        {
            output,
        };
        CommandAction.Set(backup, cwd, async (parse, ctx, ct) =>
        {
            var path = ctx.ResolvePath(parse.GetValue(output) ?? BackupFileName.Format(ctx.Time.GetLocalNow().DateTime));
            var writer = new BackupWriter(ctx.SqliteOnly("backup", PostgresBackup.Procedure), ctx.Time);
            var sources = new BackupSources(ctx.Runtime.Path, ctx.ResolvePath(ctx.Storage.BuildHistoryPath));
            var result = await Refusals(() => WithProgressAsync(ctx, progress => writer.WriteAsync(sources, path, progress, ct))).ConfigureAwait(false);
            foreach (var warning in result.Warnings)
            {
                await ctx.Error.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
            }

            await ctx.Out.WriteLineAsync(
                $"backup {result.Path}: {Size(result.ArchiveBytes)} ({result.Files} file{(result.Files == 1 ? string.Empty : "s")}, {Size(result.ContentBytes)} before compression, deflated by {result.Deflate}, schema {result.SchemaVersion}) in {Seconds(result.Elapsed)}")
                .ConfigureAwait(false);
            return 0;
        });

        backup.Add(CreatePrune(cwd));
        return backup;
    }

    /// <summary>Runs a backup or restore with a progress display on a terminal, and silently otherwise (cron, pipes, tests).</summary>
    internal static async Task<T> WithProgressAsync<T>(CliContext ctx, Func<IProgress<BackupProgress>?, Task<T>> work)
    {
        if (Console.IsOutputRedirected || !ReferenceEquals(ctx.Out, Console.Out))
        {
            return await work(null).ConfigureAwait(false);
        }

        return await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new SpinnerColumn())
            .StartAsync(async display =>
            {
                var stages = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new Progress<BackupProgress>(p =>
                {
                    lock (stages)
                    {
                        if (!stages.TryGetValue(p.Stage, out var task))
                        {
                            foreach (var earlier in stages.Values)
                            {
                                earlier.Value = earlier.MaxValue;
                                earlier.StopTask();
                            }

                            task = display.AddTask(p.Stage, maxValue: Math.Max(p.Total, 1));
                            stages[p.Stage] = task;
                        }

                        // A stage that cannot count (the one-step database snapshot) reports 0 of 0 until it is done.
                        task.IsIndeterminate = p.Total == 0;
                        task.MaxValue = Math.Max(task.MaxValue, p.Total);
                        task.Value = Math.Max(task.Value, p.Done);
                    }
                });
                return await work(progress).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>A refusal is the operator's one-line reason, exit code 1.</summary>
    internal static async Task<T> Refusals<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (BackupRefusedException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1024.0 / 1024.0 / 1024.0).ToString("F2", CultureInfo.InvariantCulture) + " GB",
    };

    internal static string Seconds(TimeSpan elapsed) =>
        elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + "s";

    private static Command CreatePrune(string cwd)
    {
        var dir = new Option<string>("--dir") { Description = "The folder holding the backups.", Required = true };
        var daily = new Option<int>("--daily") { Description = "Days to keep the newest backup of.", DefaultValueFactory = _ => 7 };
        var weekly = new Option<int>("--weekly") { Description = "Weeks (Monday to Sunday) to keep the newest backup of.", DefaultValueFactory = _ => 4 };
        var monthly = new Option<int>("--monthly") { Description = "Months to keep the newest backup of.", DefaultValueFactory = _ => 6 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be kept and deleted; delete nothing." };
        var prune = new Command(
            "prune",
            "Delete old backups: keep the newest of each of the last 7 days, 4 weeks and 6 months (and always the newest). Only files named autopack-backup-YYYYMMDD-HHMMSS.tar.gz that hold an autopack manifest are considered; nothing else is touched.")
        {
            dir, daily, weekly, monthly, dryRun,
        };
        CommandAction.Set(prune, cwd, async (parse, ctx, _) =>
        {
            var counts = new[] { ("--daily", parse.GetValue(daily)), ("--weekly", parse.GetValue(weekly)), ("--monthly", parse.GetValue(monthly)) };
            if (counts.FirstOrDefault(c => c.Item2 < 0) is { Item1: not null } negative)
            {
                throw new CliException($"{negative.Item1} must be 0 or more, got {negative.Item2}", 2);
            }

            var policy = new RetentionPolicy(counts[0].Item2, counts[1].Item2, counts[2].Item2);
            var folder = ctx.ResolvePath(parse.GetRequiredValue(dir));
            var result = await Refusals(() => Task.FromResult(new BackupPruner(ctx.Time).Prune(folder, policy, parse.GetValue(dryRun)))).ConfigureAwait(false);
            if (result.DryRun)
            {
                foreach (var kept in result.Kept)
                {
                    await ctx.Out.WriteLineAsync($"keep         {Path.GetFileName(kept.File.Path)}  ({kept.Reason})").ConfigureAwait(false);
                }

                foreach (var deleted in result.Deleted)
                {
                    await ctx.Out.WriteLineAsync($"would delete {Path.GetFileName(deleted.Path)}").ConfigureAwait(false);
                }

                foreach (var ignored in result.Ignored)
                {
                    await ctx.Out.WriteLineAsync($"ignore       {ignored}  (not an autopack backup)").ConfigureAwait(false);
                }
            }

            var total = result.Kept.Count + result.Deleted.Count;
            await ctx.Out.WriteLineAsync(
                $"{(result.DryRun ? "would prune" : "pruned")} {result.Deleted.Count} of {total} backups in {folder}; kept {result.Kept.Count}")
                .ConfigureAwait(false);
            return 0;
        });
        return prune;
    }
}
