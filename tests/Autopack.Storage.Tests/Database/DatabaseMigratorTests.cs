using Autopack.Storage.Database;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Tests.Database;

public class DatabaseMigratorTests
{
    /// <summary>The SPEC's tables and the columns it names (operators query them with sqlite3).</summary>
    private static readonly Dictionary<string, string[]> SpecColumns = new()
    {
        ["runs"] = ["run_id", "status", "goal", "token_cap", "created_at", "started_at", "finished_at", "failure_reason"],
        ["tiers"] = ["tier_id", "run_id", "name", "position"],
        ["phases"] =
        [
            "phase_id", "run_id", "tier_id", "phase_name", "position", "category", "complexity", "status", "token_cap",
            "attempts", "max_attempts", "created_at", "started_at", "finished_at", "failure_reason",
        ],
        ["llm_usage_events"] =
        [
            "id", "run_id", "phase_id", "phase_name", "provider", "model", "role", "prompt_tokens", "completion_tokens", "created_at",
        ],
        ["events"] = ["id", "run_id", "phase_id", "kind", "message", "created_at"],
    };

    private static readonly string[] ExpectedTables =
    [
        "runs", "tiers", "phases", "llm_usage_events", "events",
        "executor_leases", "token_reservations", "circuit_breakers", "budget_totals", "control_requests",
        "queue_settings", "workers", "run_claims",
        DatabaseMigrator.VersionTable,
    ];

    private TempDirectory directory = null!;
    private SqliteDatabase database = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory("autopack-migrator");
        database = new SqliteDatabase(directory.Combine("autopack.db"));
    }

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }

    [Test]
    public void CurrentVersion_FileMissing_IsZeroAndNothingIsCreated()
    {
        var migrator = new DatabaseMigrator(database);

        Assert.That(migrator.CurrentVersion(), Is.Zero);
        Assert.That(migrator.GetVersions(), Is.EqualTo(new SchemaVersions(0, DatabaseMigrator.LatestVersion)));
        Assert.That(File.Exists(database.FullPath), Is.False, "reading the version must not create an empty database");
    }

    [Test]
    public void MigrateUp_FreshFile_VersionIsLatest()
    {
        var migrator = new DatabaseMigrator(database);

        migrator.MigrateUp();

        Assert.That(migrator.CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));
        Assert.That(migrator.GetVersions().UpToDate, Is.True);
        Assert.That(DatabaseMigrator.LatestVersion, Is.GreaterThanOrEqualTo(202611251720L), "the newest migration of the foundation");
    }

    [Test]
    public void LatestVersion_WrittenInTheMigrationsAssembly_IsTheNewestMigrationItHolds() =>
        Assert.That(DatabaseMigrator.LatestVersion, Is.EqualTo(DatabaseMigrator.ScannedLatestVersion()),
            "MigrationsAssembly.LatestVersion must be raised to the version of the newest migration");

    [Test]
    public void MigrateUp_FreshFile_JournalModeIsWalInTheFile()
    {
        new DatabaseMigrator(database).MigrateUp();

        // A plain connection with none of Autopack's pragmas sees WAL: it is a property of the file, as sqlite3 sees it.
        using var plain = new SqliteConnection($"Data Source={database.FullPath};Pooling=False");
        plain.Open();
        using var command = plain.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
    }

    [Test]
    public void MigrateUp_Twice_IsIdempotent()
    {
        var migrator = new DatabaseMigrator(database);
        migrator.MigrateUp();
        Sql.Execute(database, "INSERT INTO runs (run_id, status, goal, token_cap, created_at) VALUES ('keep', 'QUEUED', 'g', 1, '2026-01-01T00:00:00.000Z')");

        migrator.MigrateUp();

        Assert.That(migrator.CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));
        Assert.That(Sql.Column(database, "SELECT run_id FROM runs"), Is.EqualTo(new[] { "keep" }));
    }

    [Test]
    public void MigrateUp_FreshFile_CreatesExactlyTheExpectedTables()
    {
        new DatabaseMigrator(database).MigrateUp();

        var tables = Sql.Column(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");

        Assert.That(tables, Is.EquivalentTo(ExpectedTables));
    }

    [TestCase("runs")]
    [TestCase("tiers")]
    [TestCase("phases")]
    [TestCase("llm_usage_events")]
    [TestCase("events")]
    public void MigrateUp_SpecTable_HasEverySpecColumn(string table)
    {
        new DatabaseMigrator(database).MigrateUp();

        var columns = Sql.Column(database, $"SELECT name FROM pragma_table_info('{table}')");

        Assert.That(columns, Is.SupersetOf(SpecColumns[table]));
    }

    [Test]
    public void MigrateUp_KeysAndTokenColumns_AreWhatTheQueriesRelyOn()
    {
        new DatabaseMigrator(database).MigrateUp();

        string[] PrimaryKey(string table) =>
            [.. Sql.Column(database, $"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")];
        string TypeOf(string table, string column) =>
            Sql.Column(database, $"SELECT upper(type) FROM pragma_table_info('{table}') WHERE name = '{column}'").Single();

        Assert.Multiple(() =>
        {
            Assert.That(PrimaryKey("runs"), Is.EqualTo(new[] { "run_id" }));
            Assert.That(PrimaryKey("phases"), Is.EqualTo(new[] { "phase_id" }), "phase ids are unique across runs");
            Assert.That(PrimaryKey("tiers"), Is.EqualTo(new[] { "tier_id" }));
            Assert.That(PrimaryKey("llm_usage_events"), Is.EqualTo(new[] { "id" }));
            Assert.That(PrimaryKey("events"), Is.EqualTo(new[] { "id" }));
            foreach (var (table, column) in new[] { ("runs", "token_cap"), ("phases", "token_cap"), ("llm_usage_events", "prompt_tokens"), ("llm_usage_events", "completion_tokens") })
            {
                Assert.That(TypeOf(table, column), Does.Contain("INT"), $"{table}.{column} sums as integers");
            }
        });
    }

    [Test]
    public void MigrateDown_ToZero_RemovesEveryTableButVersionInfo_AndUpAgainWorks()
    {
        var migrator = new DatabaseMigrator(database);
        migrator.MigrateUp();

        migrator.MigrateDown(0);

        Assert.That(
            Sql.Column(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
            Is.EqualTo(new[] { DatabaseMigrator.VersionTable }));
        Assert.That(
            Sql.Column(database, "SELECT name FROM sqlite_master WHERE type IN ('index', 'view', 'trigger') AND tbl_name <> $v AND name NOT LIKE 'sqlite_%'", ("$v", DatabaseMigrator.VersionTable)),
            Is.Empty,
            "indexes, views and triggers go too");
        Assert.That(migrator.CurrentVersion(), Is.Zero);

        migrator.MigrateUp();

        Assert.That(migrator.CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));
        Assert.That(
            Sql.Column(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
            Is.EquivalentTo(ExpectedTables));
    }

    [Test]
    public void IntegrityCheck_MigratedDatabase_SaysOk()
    {
        var migrator = new DatabaseMigrator(database);
        migrator.MigrateUp();

        Assert.That(migrator.IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
    }

    [Test]
    public void IntegrityCheck_CorruptedFile_DoesNotSayOk()
    {
        var migrator = new DatabaseMigrator(database);
        migrator.MigrateUp();
        using (var connection = database.Open())
        {
            using var fill = connection.CreateCommand();
            fill.CommandText = """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                INSERT INTO events (run_id, kind, message, created_at) SELECT 'r', 'k', printf('%.500c', 'x'), '2026-01-01T00:00:00.000Z' FROM n;
                PRAGMA wal_checkpoint(TRUNCATE);
                """;
            fill.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        CorruptMiddleOfFile(database.FullPath);

        IReadOnlyList<string> lines;
        try
        {
            lines = migrator.IntegrityCheck();
        }
        catch (SqliteException ex)
        {
            lines = [ex.Message];
        }

        Assert.That(lines, Is.Not.EqualTo(new[] { "ok" }));
    }

    private static void CorruptMiddleOfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var pageSize = 4096;
        for (var offset = 3L * pageSize; offset < stream.Length - pageSize; offset += 7 * pageSize)
        {
            stream.Position = offset;
            stream.Write(Enumerable.Repeat((byte)0xA5, 64).ToArray());
        }
    }
}
