using Autopack.Storage.Database;

namespace Autopack.Cli.Tests.Commands;

public class DbCommandsTests
{
    private CliHarness cli = null!;

    [SetUp]
    public void SetUp() => cli = new CliHarness();

    [TearDown]
    public void TearDown() => cli.Dispose();

    [Test]
    public async Task Migrate_FreshWorkingDirectory_CreatesDatabaseWhereAutopackJsonSays()
    {
        var result = await cli.RunAsync("db", "migrate");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output.Trim(), Is.EqualTo($"migrated {cli.DatabasePath} from 0 to {DatabaseMigrator.LatestVersion}"));
        Assert.That(result.Error, Is.Empty);
        Assert.That(new DatabaseMigrator(cli.Database).CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));
        Assert.That(File.Exists(Path.Combine(cli.WorkingDirectory, "autopack.db")), Is.False, "AUTOPACK_DB from autopack.json, not the default");
    }

    [Test]
    public async Task Migrate_Twice_SaysUpToDate()
    {
        await cli.RunOkAsync("db", "migrate");

        var result = await cli.RunOkAsync("db", "migrate");

        Assert.That(result.Output.Trim(), Is.EqualTo($"schema up to date at {DatabaseMigrator.LatestVersion} ({cli.DatabasePath})"));
    }

    [Test]
    public async Task Version_BeforeAndAfterMigrate_ShowsCurrentAndLatest()
    {
        var before = await cli.RunOkAsync("db", "version");
        await cli.RunOkAsync("db", "migrate");
        var after = await cli.RunOkAsync("db", "version");

        Assert.That(before.OutputLines, Is.EqualTo(new[] { "current: 0", $"latest:  {DatabaseMigrator.LatestVersion}", "pending migrations: run 'autopack db migrate'" }));
        Assert.That(after.OutputLines, Is.EqualTo(new[] { $"current: {DatabaseMigrator.LatestVersion}", $"latest:  {DatabaseMigrator.LatestVersion}" }));
    }

    [Test]
    public async Task Integrity_MigratedDatabase_PrintsOkAndExitsZero()
    {
        await cli.RunOkAsync("db", "migrate");

        var result = await cli.RunAsync("db", "integrity");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines, Is.EqualTo(new[] { "ok" }));
    }

    [Test]
    public async Task Integrity_NoDatabase_OneLineErrorAndNonZero()
    {
        var result = await cli.RunAsync("db", "integrity");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(cli.DatabasePath));
        Assert.That(File.Exists(cli.DatabasePath), Is.False, "checking must not create an empty database");
    }

    [Test]
    public async Task Integrity_FileIsNotADatabase_NonZeroWithOneLine()
    {
        cli.WriteFile(Path.Combine("state", "cli.db"), new string('x', 8192));

        var result = await cli.RunAsync("db", "integrity");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
    }

    [Test]
    public async Task Cleanup_MigratedDatabase_ReportsWhatItDid()
    {
        await cli.RunOkAsync("db", "migrate");

        var result = await cli.RunOkAsync("db", "cleanup");

        Assert.That(result.OutputLines, Has.Some.EqualTo("stale leases released: 0"));
        Assert.That(result.OutputLines, Has.Some.EqualTo("orphaned reservations dropped: 0"));
    }

    [Test]
    public async Task Cleanup_BeforeMigrate_OneLineErrorNamingTheFix()
    {
        var result = await cli.RunAsync("db", "cleanup");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("autopack db migrate"));
    }

    [Test]
    public async Task Migrate_DatabaseNewerThanThisBuild_RefusedWithOneLine()
    {
        await cli.RunOkAsync("db", "migrate");
        var future = DatabaseMigrator.LatestVersion + 1;
        using (var connection = cli.Database.Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO \"{DatabaseMigrator.VersionTable}\" (Version, AppliedOn, Description) VALUES ({future}, '2030-01-01', 'from a newer autopack')";
            command.ExecuteNonQuery();
        }

        var migrate = await cli.RunAsync("db", "migrate");
        var list = await cli.RunAsync("runs", "list");

        foreach (var result in new[] { migrate, list })
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
            Assert.That(result.Error, Does.Contain("newer"));
        }
    }

    [Test]
    public async Task RunsList_SchemaBehind_OneLineAskingForMigrate()
    {
        await cli.RunOkAsync("db", "migrate");
        var migrator = new DatabaseMigrator(cli.Database);
        migrator.MigrateDown(202611251710);

        var result = await cli.RunAsync("runs", "list");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("autopack db migrate"));
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "list");
    }
}
