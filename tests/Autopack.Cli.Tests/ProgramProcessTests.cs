using Autopack.Storage.Database;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

namespace Autopack.Cli.Tests;

/// <summary>The built entry point (autopack.dll run by dotnet), as an operator or cron runs it.</summary>
public class ProgramProcessTests
{
    [Test]
    public async Task DbMigrate_RealProcess_CreatesWalDatabaseAtAutopackDb()
    {
        using var folder = new TempDirectory("autopack-process");
        var path = folder.Combine("nested", "real.db");

        var (exitCode, output, error) = await AutopackProcess.RunAsync(
            folder.Path, new Dictionary<string, string?> { ["AUTOPACK_DB"] = path }, TimeSpan.FromSeconds(60), "db", "migrate");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output.Trim(), Is.EqualTo($"migrated {path} from 0 to {DatabaseMigrator.LatestVersion}"));
        Assert.That(error, Is.Empty);
        var database = new SqliteDatabase(path);
        Assert.That(new DatabaseMigrator(database).CurrentVersion(), Is.EqualTo(DatabaseMigrator.LatestVersion));
        using (var connection = database.Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode";
            Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
        }

        SqliteConnection.ClearAllPools();
    }

    [Test]
    public async Task RunsShow_UnknownRunInRealProcess_ExitsNonZeroWithOneLine()
    {
        using var folder = new TempDirectory("autopack-process");
        var env = new Dictionary<string, string?> { ["AUTOPACK_DB"] = folder.Combine("real.db") };
        await AutopackProcess.RunAsync(folder.Path, env, TimeSpan.FromSeconds(60), "db", "migrate");

        var (exitCode, output, error) = await AutopackProcess.RunAsync(folder.Path, env, TimeSpan.FromSeconds(60), "runs", "show", "ghost");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(output, Is.Empty);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Contain("ghost").And.Contain("not found"));
    }

    [Test]
    public async Task DbMigrate_EnvironmentAndAutopackJson_EnvironmentWins()
    {
        using var folder = new TempDirectory("autopack-process");
        File.WriteAllText(folder.Combine("autopack.json"), """{ "AUTOPACK_DB": "from-json.db", "AUTOPACK_PORT": "8123" }""");

        var (exitCode, _, error) = await AutopackProcess.RunAsync(
            folder.Path, new Dictionary<string, string?> { ["AUTOPACK_DB"] = "from-env.db" }, TimeSpan.FromSeconds(60), "db", "migrate");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(File.Exists(folder.Combine("from-env.db")), Is.True);
        Assert.That(File.Exists(folder.Combine("from-json.db")), Is.False);
        SqliteConnection.ClearAllPools();
    }
}
