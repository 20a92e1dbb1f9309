using System.Diagnostics;
using System.Text.RegularExpressions;
using Autopack.Domain.Runs;
using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Cli.Tests.Runbook;

/// <summary>
/// The runbook's sqlite3 commands, run as an operator runs them: the real sqlite3 binary, in the folder of a database
/// that the real <c>autopack db migrate</c> process created and Autopack's own stores filled.
/// </summary>
[NonParallelizable]
public partial class RunbookSqlite3Tests
{
    private const string Sqlite3 = "/usr/bin/sqlite3";
    private const string RunId = "runbook-run";

    private TempDirectory folder = null!;
    private SqliteDatabase database = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        if (!File.Exists(Sqlite3))
        {
            Assert.Ignore($"{Sqlite3} is not installed (Debian package sqlite3)");
        }

        folder = new TempDirectory("autopack-runbook");
        var migrate = await AutopackProcess.RunAsync(
            folder.Path,
            new Dictionary<string, string?> { ["AUTOPACK_DB"] = folder.Combine("autopack.db") },
            TimeSpan.FromSeconds(60),
            "db", "migrate");
        Assert.That(migrate.ExitCode, Is.Zero, migrate.Error);

        database = new SqliteDatabase(folder.Combine("autopack.db"));
        await new RunStore(database, TimeProvider.System).CreateAsync(
            new PlanBuilder(RunId, runCap: 100_000).Phase("rb-build", category: "implementation").Phase("rb-audit", category: "audit").Phase("rb-later").Build(),
            TestDatabase.DefaultCaps);
        await new RunStore(database, TimeProvider.System).CreateAsync(new PlanBuilder("other-run").Phase("other-p").Build(), TestDatabase.DefaultCaps);

        var ledger = new TokenLedger(database, TimeProvider.System);
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

        var writer = new RunStateWriter(database, TimeProvider.System);
        await writer.TransitionRunAsync(RunId, RunStatus.Executing);
        await writer.TransitionPhaseAsync("rb-build", PhaseStatus.Executing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [OneTimeTearDown]
    public void OneTimeTearDown() => folder?.Dispose();

    private async Task<(int ExitCode, string Output, string Error)> Sqlite3Async(string sql)
    {
        // Exactly: sqlite3 autopack.db "<sql>", in the folder holding autopack.db.
        var info = new ProcessStartInfo(Sqlite3) { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add("autopack.db");
        info.ArgumentList.Add(sql);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).TrimEnd('\n'), await error);
    }

    [Test]
    public async Task StuckRunRecovery_ExecutingPhasesQuery_ListsTheExecutingPhase()
    {
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.ExecutingPhases);

        Assert.That(exit, Is.Zero, error);
        var lines = output.Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), output);
        Assert.That(lines[0], Does.StartWith($"rb-build|{RunId}|"));
        Assert.That(lines[0].Split('|'), Has.Some.EqualTo("EXECUTING"));
    }

    [Test]
    public async Task DatabaseCorruption_IntegrityCheck_SaysOk()
    {
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.IntegrityCheck);

        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo("ok"));
    }

    [Test]
    public async Task JournalMode_OfMigratedDatabase_IsWal()
    {
        var (exit, output, error) = await Sqlite3Async("PRAGMA journal_mode");

        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo("wal"));
    }

    [Test]
    public async Task TokenBudgetExceeded_RunTotalQuery_SumsTheRunsCalls()
    {
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.For(RunbookQueries.RunBudget, RunId));

        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo($"{RunId}|3350"));
    }

    [Test]
    public async Task PerRunBudgetEnforcement_RunUsageQuery_SumsTheRunsCalls()
    {
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.For(RunbookQueries.RunUsage, RunId));

        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo($"{RunId}|3350"));
    }

    [Test]
    public async Task PerPhaseBudgetMonitoring_PhaseUsageQuery_SumsEachPhaseWithItsName()
    {
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.For(RunbookQueries.PhaseUsage, RunId));

        Assert.That(exit, Is.Zero, error);
        Assert.That(output.Split('\n'), Is.EquivalentTo(new[] { "rb-audit|rb-audit|350", "rb-build|rb-build|3000" }));
    }

    [Test]
    public async Task ConnectionPoolExhaustion_PoolStatsQuery_AnswersWithACount()
    {
        // The runbook's "Check pool stats" query, as written. It comes from a PostgreSQL-era runbook; the SPEC says
        // every runbook sqlite3 query must work verbatim, so the schema has to give it something to count.
        var (exit, output, error) = await Sqlite3Async(RunbookQueries.PoolStats);

        Assert.That(exit, Is.Zero, $"sqlite3 said: {error}");
        Assert.That(output, Does.Match("^[0-9]+$"));
    }

    [Test]
    public void RunbookQueries_MatchTheSeedRunbook()
    {
        var runbook = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "..", "shared", "RUNBOOK.seed.md"));
        if (!File.Exists(runbook))
        {
            Assert.Ignore($"no seed runbook at {runbook}");
        }

        var written = SqliteCommand().Matches(File.ReadAllText(runbook)).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.That(written, Is.EquivalentTo(RunbookQueries.All), "the queries tested here are the runbook's, verbatim");
    }

    [GeneratedRegex("sqlite3 autopack\\.db \"([^\"]+)\"")]
    private static partial Regex SqliteCommand();
}
