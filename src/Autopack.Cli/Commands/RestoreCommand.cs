using System.CommandLine;
using Autopack.Storage.Backup;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack restore --input &lt;file.tar.gz&gt; [--force]</c>.</summary>
public static class RestoreCommand
{
    public static Command Create(string cwd)
    {
        var input = new Option<string>("--input") { Description = "The backup archive (.tar.gz) to restore.", Required = true };
        var force = new Option<bool>("--force")
        {
            Description = "Replace an installation that already has runs (the current database is kept beside it as autopack.db.replaced-<time>).",
        };
        var command = new Command(
            "restore",
            "Restore a backup: verifies the whole archive first, refuses while an executor runs, keeps the replaced database, swaps atomically, migrates an older schema forward.")
        {
            input, force,
        };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var archive = ctx.ResolvePath(parse.GetRequiredValue(input));
            var target = new RestoreTarget(ctx.SqliteOnly("restore", PostgresBackup.Procedure).FullPath, ctx.Runtime.Path, ctx.ResolvePath(ctx.Storage.BuildHistoryPath));
            var options = new RestoreOptions(parse.GetValue(force), TimeSpan.FromSeconds(ctx.Storage.LeaseStaleSeconds));
            var restorer = new BackupRestorer(ctx.Time);
            var result = await BackupCommands.Refusals(() => BackupCommands.WithProgressAsync(ctx, progress => restorer.RestoreAsync(archive, target, options, progress, ct)))
                .ConfigureAwait(false);

            var schema = result.BackupSchemaVersion == result.SchemaVersion
                ? $"schema {result.SchemaVersion}"
                : $"schema migrated {result.BackupSchemaVersion} -> {result.SchemaVersion}";
            var kept = result.ReplacedDatabasePath is null ? string.Empty : $"; previous database kept as {result.ReplacedDatabasePath}";
            await ctx.Out.WriteLineAsync(
                $"restored {result.DatabasePath} from {archive} (backup of {result.Manifest.Host} at {result.Manifest.CreatedAt:u}): {schema}, {result.RuntimeFiles} runtime files{(result.BuildHistoryRestored ? ", BUILD_HISTORY.md" : string.Empty)}, in {BackupCommands.Seconds(result.Elapsed)}{kept}")
                .ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
