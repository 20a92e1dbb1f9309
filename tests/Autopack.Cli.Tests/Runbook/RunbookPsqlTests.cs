using System.Diagnostics;
using System.Text.RegularExpressions;
using Autopack.Domain.Runs;
using Autopack.Storage.Backup;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Cli.Tests.Runbook;

/// <summary>
/// docs/RUNBOOK.md's "PostgreSQL" section, run as written: every <c>psql "$AUTOPACK_DB" -At -c "..."</c> command of the
/// runbook through the real psql against a database the real <c>autopack db migrate</c> migrated, and the seed
/// runbook's queries (GROUP BY completed) giving the same figures as sqlite3 does.
/// </summary>
public partial class RunbookPsqlTests
{
    private const string Psql = "/usr/bin/psql";
    private const string RunId = "runbook-run";

    private TestPostgresDatabase db = null!;
    private TempDirectory folder = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        if (!File.Exists(Psql))
        {
            Assert.Ignore($"{Psql} is not installed (Debian package postgresql-client)");
        }

        db = new TestPostgresDatabase(migrated: false);
        folder = new TempDirectory("autopack-runbook-pg");
        var migrate = await AutopackProcess.RunAsync(folder.Path, new Dictionary<string, string?> { ["AUTOPACK_DB"] = db.Url }, TimeSpan.FromSeconds(60), "db", "migrate");
        Assert.That(migrate.ExitCode, Is.Zero, migrate.Error);

        await db.CreateRunAsync(new PlanBuilder(RunId, runCap: 100_000).Phase("rb-build", category: "implementation").Phase("rb-audit", category: "audit").Phase("rb-later").Build());
        await db.CreateRunAsync(new PlanBuilder("other-run").Phase("other-p").Build());
        var ledger = new TokenLedger(db.Database, TimeProvider.System);
        foreach (var (run, phase, prompt, completion) in new[]
        {
            (RunId, "rb-build", 1_200L, 800L),
            (RunId, "rb-build", 600L, 400L),
            (RunId, "rb-audit", 300L, 50L),
            ("other-run", "other-p", 7_000L, 7_000L),
        })
        {
            var reservation = await ledger.ReserveAsync(run, phase, prompt, completion, 1, "runbook");
            await ledger.SettleAsync(reservation, new UsageRecord(phase, "offline", "offline-1", "builder", prompt, completion));
        }

        var writer = new RunStateWriter(db.Database, TimeProvider.System);
        await writer.TransitionRunAsync(RunId, RunStatus.Executing);
        await writer.TransitionPhaseAsync("rb-build", PhaseStatus.Executing);
    }

    [OneTimeTearDown]
    public void OneTimeTearDown()
    {
        folder?.Dispose();
        db?.Dispose();
    }

    [Test]
    public async Task StuckRunRecovery_ExecutingPhasesQuery_ListsTheExecutingPhase()
    {
        var (exit, output, error) = await PsqlAsync(RunbookQueries.ExecutingPhases);

        Assert.That(exit, Is.Zero, error);
        Assert.That(output.Split('\n'), Has.Length.EqualTo(1), output);
        Assert.That(output, Does.StartWith($"rb-build|{RunId}|"));
        Assert.That(output.Split('|'), Has.Some.EqualTo("EXECUTING"));
    }

    [Test]
    public async Task RunAndPhaseUsage_GroupByCompleted_SameFiguresAsSqlite3()
    {
        var budget = await PsqlAsync(RunbookQueries.For(RunbookQueries.RunBudget, RunId));
        var usage = await PsqlAsync(RunbookQueries.For(RunbookQueries.PostgresRunUsage, RunId));
        var phases = await PsqlAsync(RunbookQueries.For(RunbookQueries.PostgresPhaseUsage, RunId));
        var seedAsWritten = await PsqlAsync(RunbookQueries.For(RunbookQueries.RunUsage, RunId));

        Assert.Multiple(() =>
        {
            Assert.That((budget.ExitCode, budget.Output), Is.EqualTo((0, $"{RunId}|3350")), budget.Error);
            Assert.That((usage.ExitCode, usage.Output), Is.EqualTo((0, $"{RunId}|3350")), usage.Error);
            Assert.That(phases.Output.Split('\n'), Is.EquivalentTo(new[] { "rb-audit|rb-audit|350", "rb-build|rb-build|3000" }), phases.Error);
            Assert.That(seedAsWritten.ExitCode, Is.Not.Zero, "why the runbook completes the GROUP BY");
            Assert.That(seedAsWritten.Error, Does.Contain("must appear in the GROUP BY clause"));
        });
    }

    [Test]
    public async Task PoolStats_ServersOwnView_AnswersWithACount()
    {
        var (exit, output, error) = await PsqlAsync(RunbookQueries.PoolStats);

        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.Match("^[0-9]+$"));
    }

    [Test]
    public async Task RunbookPostgresSection_EveryPsqlCommandAsWritten_Succeeds()
    {
        var commands = PsqlCommand().Matches(File.ReadAllText(RunbookPath)).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.That(commands, Is.SupersetOf(RunbookQueries.Postgres), "the queries tested above are the runbook's, verbatim");
        Assert.That(commands, Has.Count.GreaterThan(RunbookQueries.Postgres.Count), "and the section's other queries");
        var failures = new List<string>();
        foreach (var sql in commands)
        {
            var (exit, _, error) = await PsqlAsync(RunbookQueries.For(sql, RunId));
            if (exit != 0)
            {
                failures.Add($"{sql}: {error}");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task RunbookPostgresSection_PgAmcheckAndBackupCommands_AreTheOnesTheCliGivesAndRun()
    {
        const string amcheck = "\"$(pg_config --bindir)/pg_amcheck\" --install-missing \"$AUTOPACK_DB\"";
        var runbook = await File.ReadAllTextAsync(RunbookPath);
        var (exit, _, error) = await ShellAsync(amcheck);

        Assert.Multiple(() =>
        {
            Assert.That(runbook, Does.Contain(amcheck).And.Contain(PostgresBackup.DumpCommand).And.Contain(PostgresBackup.RestoreCommand));
            Assert.That(exit, Is.Zero, error);
        });
    }

    private static string RunbookPath => Path.Combine(RepositoryRoot.Path, "docs", "RUNBOOK.md");

    /// <summary>Exactly: psql "$AUTOPACK_DB" -At -c "&lt;sql&gt;".</summary>
    private Task<(int ExitCode, string Output, string Error)> PsqlAsync(string sql) =>
        RunAsync(Psql, ["$AUTOPACK_DB", "-At", "-c", sql]);

    private Task<(int ExitCode, string Output, string Error)> ShellAsync(string commandLine) => RunAsync("/bin/sh", ["-c", commandLine]);

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg == "$AUTOPACK_DB" ? db.Url : arg);
        }

        info.Environment["AUTOPACK_DB"] = db.Url;
        info.Environment["PGCONNECT_TIMEOUT"] = "10";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).TrimEnd('\n'), await error);
    }

    [GeneratedRegex("psql \"\\$AUTOPACK_DB\" -At -c \"([^\"]+)\"")]
    private static partial Regex PsqlCommand();
}
