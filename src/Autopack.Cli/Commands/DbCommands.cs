using System.CommandLine;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack db version|migrate|integrity|cleanup</c>.</summary>
public static class DbCommands
{
    public static Command Create(string cwd)
    {
        var db = new Command("db", "Database schema and health.");

        var version = new Command("version", "Print the current and latest schema versions.");
        CommandAction.Set(version, cwd, (_, ctx, _) =>
        {
            var versions = new DatabaseMigrator(ctx.Database).GetVersions();
            ctx.Out.WriteLine($"current: {versions.Current}");
            ctx.Out.WriteLine($"latest:  {versions.Latest}");
            if (versions.NewerThanThisBuild)
            {
                ctx.Out.WriteLine("the database is newer than this autopack");
            }
            else if (!versions.UpToDate)
            {
                ctx.Out.WriteLine("pending migrations: run 'autopack db migrate'");
            }

            return Task.FromResult(0);
        });

        var migrate = new Command("migrate", "Apply pending migrations (creates a SQLite database if missing; a PostgreSQL database must exist on its server).");
        CommandAction.Set(migrate, cwd, (_, ctx, _) =>
        {
            var database = ctx.Database;
            if (database is SqliteDatabase sqlite)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(sqlite.FullPath)!);
            }

            var migrator = new DatabaseMigrator(database);
            var before = migrator.GetVersions();
            if (before.NewerThanThisBuild)
            {
                throw new CliException($"database schema {before.Current} is newer than this autopack knows ({before.Latest}); upgrade autopack");
            }

            migrator.MigrateUp();
            var after = migrator.CurrentVersion();
            var where = database is SqliteDatabase ? database.Location : database.ToString();
            ctx.Out.WriteLine(before.Current == after
                ? $"schema up to date at {after} ({where})"
                : $"migrated {where} from {before.Current} to {after}");
            return Task.FromResult(0);
        });

        var integrity = new Command("integrity", "Run PRAGMA integrity_check; exits non-zero unless it says ok (SQLite only: on PostgreSQL use pg_amcheck).");
        CommandAction.Set(integrity, cwd, (_, ctx, _) =>
        {
            var database = ctx.SqliteOnly("db integrity", "PostgreSQL checks its own pages; run pg_amcheck against the database instead (docs/RUNBOOK.md, \"PostgreSQL\")");
            if (!File.Exists(database.FullPath))
            {
                throw new CliException($"no database at {database.FullPath}");
            }

            var lines = new DatabaseMigrator(database).IntegrityCheck();
            foreach (var line in lines)
            {
                ctx.Out.WriteLine(line);
            }

            return Task.FromResult(lines is ["ok"] ? 0 : 1);
        });

        var cleanup = new Command(
            "cleanup",
            "Release leases of dead executors, drop their orphaned token reservations, checkpoint the WAL (SQLite), and remove scratch folders left by killed backups and restores (beside the database, in the current folder and in AUTOPACK_BACKUP_DIR).");
        CommandAction.Set(cleanup, cwd, async (_, ctx, ct) =>
        {
            var database = ctx.MigratedDatabase();
            var report = await new DatabaseCleanup(database, ctx.Time)
                .RunAsync(TimeSpan.FromSeconds(ctx.Storage.LeaseStaleSeconds), ct).ConfigureAwait(false);
            string[] folders = database is SqliteDatabase sqlite
                ? [Path.GetDirectoryName(sqlite.FullPath)!, ctx.WorkingDirectory, ctx.ResolvePath(ctx.Storage.BackupDirectory)]
                : [ctx.WorkingDirectory, ctx.ResolvePath(ctx.Storage.BackupDirectory)];
            var scratch = ScratchFolder.RemoveStale(folders, ctx.Time);
            ctx.Out.WriteLine($"stale leases released: {report.StaleLeases}");
            ctx.Out.WriteLine($"orphaned reservations dropped: {report.OrphanedReservations}");
            ctx.Out.WriteLine(database is SqliteDatabase
                ? $"wal checkpoint: {report.CheckpointedPages} pages"
                : "wal checkpoint: not applicable on PostgreSQL (the server checkpoints its WAL itself)");
            ctx.Out.WriteLine($"stale backup scratch folders removed: {scratch.Count}");
            foreach (var folder in scratch)
            {
                ctx.Out.WriteLine($"  {folder}");
            }

            return 0;
        });

        db.Add(version);
        db.Add(migrate);
        db.Add(integrity);
        db.Add(cleanup);
        return db;
    }
}
