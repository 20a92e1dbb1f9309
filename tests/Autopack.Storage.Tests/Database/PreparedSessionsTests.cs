using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Tests.Database;

public class PreparedSessionsTests
{
    private TestDatabase db = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        await db.CreateRunAsync(new PlanBuilder("run", runCap: 100_000_000).Phase("p", cap: 50_000_000).Build());
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task RunAsync_SameStatementTwice_ReusesTheSessionAndItsCommandWithTheNewValues()
    {
        using var sessions = new PreparedSessions(db.Database, keep: 1);
        const string Sql = "SELECT count(*) FROM phases WHERE run_id = @r";

        var (firstSession, firstCommand, firstCount) = await sessions.RunAsync(
            async s => (s, s.Command(null, Sql, ("@r", "run")), await s.ScalarAsync(null, Sql, CancellationToken.None, ("@r", "run"))), CancellationToken.None);
        var (secondSession, secondCommand, secondCount) = await sessions.RunAsync(
            async s => (s, s.Command(null, Sql, ("@r", "none")), await s.ScalarAsync(null, Sql, CancellationToken.None, ("@r", "none"))), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(secondSession, Is.SameAs(firstSession));
            Assert.That(secondCommand, Is.SameAs(firstCommand));
            Assert.That(firstCount, Is.EqualTo(1));
            Assert.That(secondCount, Is.EqualTo(0), "the kept command ran with the second call's value");
        });
    }

    [Test]
    public async Task Command_SameTextWithOtherParameters_IsRefusedNamingThem()
    {
        using var sessions = new PreparedSessions(db.Database, keep: 1);
        const string Sql = "SELECT @a + @b";

        var error = await sessions.RunAsync(
            s =>
            {
                s.Command(null, Sql, ("@a", 1), ("@b", 2));
                return Task.FromResult(Assert.Throws<ArgumentException>(() => s.Command(null, Sql, ("@b", 1), ("@a", 2))));
            },
            CancellationToken.None);

        Assert.That(error!.Message, Does.Contain("@a").And.Contain("@b"));
    }

    [Test]
    public async Task RunAsync_WorkThrows_TheSessionIsClosedAndTheNextCallGetsANewOne()
    {
        using var sessions = new PreparedSessions(db.Database, keep: 1);
        PreparedSession? failed = null;

        Assert.ThrowsAsync<InvalidOperationException>(() => sessions.RunAsync<int>(
            s =>
            {
                failed = s;
                throw new InvalidOperationException("boom");
            },
            CancellationToken.None));
        var next = await sessions.RunAsync(Task.FromResult, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(next, Is.Not.SameAs(failed));
            Assert.That(failed!.Connection.State, Is.EqualTo(System.Data.ConnectionState.Closed));
        });
    }

    [Test]
    public async Task KeptConnection_DoesNotCheckpointOnCommit_AndPooledConnectionsStillDo()
    {
        using var sessions = new PreparedSessions(db.Database, keep: 1);
        var kept = await sessions.RunAsync(s => ScalarAsync((SqliteConnection)s.Connection, "PRAGMA wal_autocheckpoint"), CancellationToken.None);

        await using var pooled = await db.Database.OpenAsync();
        var ordinary = await ScalarAsync(pooled, "PRAGMA wal_autocheckpoint");

        Assert.Multiple(() =>
        {
            Assert.That(kept, Is.EqualTo(SqliteDatabase.KeptConnectionCheckpointFrames), "the kept connection leaves most checkpoints to its pool's background task");
            Assert.That(ordinary, Is.EqualTo(1000), "a pooled connection keeps SQLite's automatic checkpoint");
        });
    }

    [Test]
    public async Task Ledger_ManyCommits_CheckpointsInTheBackgroundSoTheWalStaysBoundedAndTheTotalsExact()
    {
        using var ledger = new TokenLedger(db.Database, TimeProvider.System);
        const int Calls = 12 * PreparedSessions.CheckpointEveryCommits;
        for (var i = 0; i < Calls; i++)
        {
            var reservation = await ledger.ReserveAsync("run", "p", 100, 200, 1, "o");
            await ledger.SettleAsync(reservation, new UsageRecord("p", "offline", "m", "builder", 100, 50));
        }

        // Two commits per call: at least one checkpoint per CheckpointEveryCommits of them (fewer only while one still ran).
        Assert.That(ledger.Checkpoints, Is.InRange(1, 2 * Calls / PreparedSessions.CheckpointEveryCommits));
        ledger.Dispose();

        // Background checkpoints alone (passive: they never find the log wholly copied while writes go on, so it never
        // starts over) would leave every page the 3,072 commits wrote in the WAL: some 24,000 frames.
        await using var connection = await db.Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetInt64(1), Is.LessThan(SqliteDatabase.KeptConnectionCheckpointFrames + 2_000), "frames in the WAL");
            Assert.That(db.Scalar("SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = 'run'"), Is.EqualTo(Calls * 150));
            Assert.That(db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
