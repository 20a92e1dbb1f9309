using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Cli.Tests.Postgres;

/// <summary>
/// The real <c>autopack</c> with <c>AUTOPACK_DB</c> naming a PostgreSQL database (the URL form operators copy from
/// psql): the value passes through to the server, never becoming a SQLite file named after it (ADR-039).
/// </summary>
public sealed class PostgresCliProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Test, CancelAfter(600_000)]
    public async Task MigrateCreateExecute_PostgresUrl_RunEndsDoneSuccessWithItsCommitInPostgres()
    {
        using var db = new TestPostgresDatabase(migrated: false);
        using var folder = new TempDirectory("autopack-pg-cli");
        var env = new Dictionary<string, string?> { ["AUTOPACK_DB"] = db.Url };

        var migrate = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "db", "migrate");
        Assert.That(migrate.ExitCode, Is.Zero, migrate.Error);
        Assert.That(migrate.Output.Trim(), Is.EqualTo($"migrated {db.Database} from 0 to {DatabaseMigrator.LatestVersion}"));
        Assert.That(new DatabaseMigrator(db.Database).CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));

        var plan = folder.Combine("plan.json");
        await File.WriteAllTextAsync(plan, PlanJson.Write(new PlanBuilder("pg-cli-1").Phase("pg-cli-1-a").Build()));
        var create = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "runs", "create", "--file", "plan.json");
        Assert.That((create.ExitCode, create.Output.Trim()), Is.EqualTo((0, "pg-cli-1")), create.Error);
        var list = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "runs", "list");
        Assert.That(list.Output, Does.Contain("pg-cli-1").And.Contain("QUEUED"), list.Error);
        var queue = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "queue", "status");
        Assert.That(queue.ExitCode, Is.Zero, queue.Error);
        Assert.That(queue.Output, Does.Contain("queued:            1 ").And.Contain("executing:         0"));

        var execute = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "execute", "--run-id", "pg-cli-1");
        Assert.That(execute.ExitCode, Is.Zero, execute.Output + execute.Error);
        Assert.That(execute.Output, Does.Contain("run pg-cli-1 DONE_SUCCESS"));

        var show = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "runs", "show", "pg-cli-1");
        Assert.Multiple(() =>
        {
            Assert.That(show.Output, Does.Contain("status:   DONE_SUCCESS").And.Contain("commits:  1"), show.Error);
            Assert.That(db.Scalar("SELECT count(*) FROM phases WHERE run_id = 'pg-cli-1' AND status = 'COMPLETE' AND commit_sha IS NOT NULL"), Is.EqualTo(1));
            Assert.That(db.Scalar("SELECT count(*) FROM llm_usage_events WHERE run_id = 'pg-cli-1'"), Is.GreaterThan(0), "usage recorded in PostgreSQL");
            Assert.That(db.Scalar("SELECT count(*) FROM executor_leases"), Is.Zero, "the lease released");
            Assert.That(Directory.GetFiles(folder.Path, "*", SearchOption.TopDirectoryOnly).Select(Path.GetFileName), Is.EquivalentTo(new[] { "plan.json" }), "no SQLite file made");
        });
    }

    [Test]
    public async Task DbCommands_SqliteOnlyOperationsOnPostgres_OneLineSayingWhatDoesNotApply()
    {
        using var db = new TestPostgresDatabase();
        using var folder = new TempDirectory("autopack-pg-cli");
        var env = new Dictionary<string, string?> { ["AUTOPACK_DB"] = db.Url };

        var integrity = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "db", "integrity");
        var cleanup = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "db", "cleanup");

        Assert.Multiple(() =>
        {
            Assert.That(integrity.ExitCode, Is.Not.Zero);
            Assert.That(integrity.Error.Trim().Split('\n'), Has.Length.EqualTo(1), integrity.Error);
            Assert.That(integrity.Error, Does.Contain("db integrity does not apply to PostgreSQL").And.Contain("pg_amcheck"));
            Assert.That(cleanup.ExitCode, Is.Zero, cleanup.Error);
            Assert.That(cleanup.Output, Does.Contain("stale leases released: 0").And.Contain("wal checkpoint: not applicable on PostgreSQL"));
        });
    }

    [Test]
    public async Task BackupAndRestore_Postgres_RefusedInOneLineNamingThePgDumpProcedure()
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-kept").Phase("pg-kept-a").Build());
        using var folder = new TempDirectory("autopack-pg-cli");
        var env = new Dictionary<string, string?> { ["AUTOPACK_DB"] = db.Url };
        var archive = folder.Combine("elsewhere.tar.gz");
        await File.WriteAllBytesAsync(archive, [0x1f, 0x8b, 0x08, 0x00]);

        var backup = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "backup", "--output", "pg.tar.gz");
        var restore = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "restore", "--input", "elsewhere.tar.gz", "--force");

        Assert.Multiple(() =>
        {
            foreach (var (name, result) in new[] { ("backup", backup), ("restore", restore) })
            {
                Assert.That(result.ExitCode, Is.EqualTo(1), name);
                Assert.That(result.Output, Is.Empty, name);
                Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1), result.Error);
                Assert.That(result.Error, Does.StartWith($"error: {name} does not apply to PostgreSQL (AUTOPACK_DB names {db.Database.Location})")
                    .And.Contain("pg_dump --format=custom").And.Contain("pg_restore --clean --if-exists").And.Contain("docs/RUNBOOK.md"));
            }

            Assert.That(File.Exists(folder.Combine("pg.tar.gz")), Is.False, "no archive written");
            Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id = 'pg-kept'"), Is.EqualTo(1), "nothing restored over the database");
        });
    }

    [Test, CancelAfter(300_000)]
    public async Task PostgresBackupProcedure_CommandsAsTheRefusalGivesThem_RestoreTheDumpedRuns(CancellationToken cancellationToken)
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-dumped").Phase("pg-dumped-a").Build());
        db.Scalar(
            "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) "
            + "VALUES ('pg-dumped', 'pg-dumped-a', 'a', 'offline', 'offline-1', 'builder', 300, 120, '2026-12-04T12:00:00.000Z') RETURNING id");
        using var folder = new TempDirectory("autopack-pg-cli");
        var env = new Dictionary<string, string?> { ["AUTOPACK_DB"] = db.Url };

        Assert.That(await ShellAsync(folder.Path, db.Url, PostgresBackup.DumpCommand, cancellationToken), Is.Zero);
        await db.CreateRunAsync(new PlanBuilder("pg-after-dump").Phase("pg-after-dump-a").Build());
        Assert.That(await ShellAsync(folder.Path, db.Url, PostgresBackup.RestoreCommand, cancellationToken), Is.Zero);
        var migrate = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "db", "migrate");
        var list = await AutopackProcess.RunAsync(folder.Path, env, Timeout, "runs", "list");

        Assert.Multiple(() =>
        {
            Assert.That(migrate.Output.Trim(), Is.EqualTo($"schema up to date at {DatabaseMigrator.LatestVersion} ({db.Database})"), migrate.Error);
            Assert.That(list.Output, Does.Contain("pg-dumped").And.Not.Contain("pg-after-dump"), list.Error);
            Assert.That(db.Scalar("SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = 'pg-dumped'"), Is.EqualTo(420), "the trigger-kept totals came back with the runs");
            Assert.That(db.Scalar("SELECT count(*) FROM runs"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task RunsList_PostgresUrlWithoutDatabase_OneLineNamingAutopackDbAndNoFile()
    {
        var server = TestPostgresDatabase.Server ?? throw new IgnoreException($"{TestPostgresDatabase.ServerVariable} is not set");
        var port = new Npgsql.NpgsqlConnectionStringBuilder(server).Port;
        using var folder = new TempDirectory("autopack-pg-cli");

        var (exitCode, output, error) = await AutopackProcess.RunAsync(
            folder.Path, new Dictionary<string, string?> { ["AUTOPACK_DB"] = $"postgresql://postgres@127.0.0.1:{port}/" }, Timeout, "runs", "list");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Is.Empty);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.StartWith("error: AUTOPACK_DB: not a usable PostgreSQL connection (it names no database)"));
            Assert.That(Directory.EnumerateFileSystemEntries(folder.Path), Is.Empty, "no SQLite file named after the URL");
        });
    }

    [Test]
    public async Task DbMigrate_PostgresDatabaseMissingOnTheServer_OneLineNamingAutopackDb()
    {
        var server = TestPostgresDatabase.Server ?? throw new IgnoreException($"{TestPostgresDatabase.ServerVariable} is not set");
        var port = new Npgsql.NpgsqlConnectionStringBuilder(server).Port;
        using var folder = new TempDirectory("autopack-pg-cli");
        var missing = $"autopack_missing_{Guid.NewGuid():N}";

        var (exitCode, output, error) = await AutopackProcess.RunAsync(
            folder.Path, new Dictionary<string, string?> { ["AUTOPACK_DB"] = $"postgresql://postgres@127.0.0.1:{port}/{missing}" }, Timeout, "db", "migrate");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Is.Empty);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.StartWith($"error: database postgresql 127.0.0.1:{port}/{missing} (AUTOPACK_DB): 3D000"));
            Assert.That(Directory.EnumerateFileSystemEntries(folder.Path), Is.Empty);
        });
    }

    /// <summary>Runs an operator's command line with /bin/sh, AUTOPACK_DB set as in their shell; its exit code.</summary>
    private static async Task<int> ShellAsync(string folder, string database, string commandLine, CancellationToken cancellationToken)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = folder, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(commandLine);
        info.Environment["AUTOPACK_DB"] = database;
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.That(error, Is.Empty, commandLine);
        return process.ExitCode;
    }
}
