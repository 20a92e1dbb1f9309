using System.Security.Cryptography;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Backup;

public sealed class PinnedDatabaseFileTests
{
    [Test, CancelAfter(60_000)]
    public async Task TryPin_WhileAWriterCommits_TheFileStaysByteForByteTheSameAndIsAConsistentDatabase(CancellationToken cancellationToken)
    {
        using var source = new TestDatabase();
        source.SeedUsage("run-0", phases: 10, rows: 2_000);

        using var pinned = PinnedDatabaseFile.TryPin(source.Database);
        Assert.That(pinned, Is.Not.Null, "nothing else uses the database: its WAL can be emptied");
        var atPin = Hash(pinned!.Path);
        var rowsAtPin = source.Scalar("SELECT count(*) FROM llm_usage_events");

        // A writer commits (its connections checkpoint automatically, and one more checkpoint is asked for) while the file is pinned.
        for (var n = 0; n < 300; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Insert(source.Database, n);
        }

        using (var checkpointer = source.Database.Open())
        using (var checkpoint = checkpointer.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            checkpoint.ExecuteNonQuery();
        }

        using var copyFolder = new TempDirectory("autopack-pinned");
        var copy = Path.Combine(copyFolder.Path, "copy.db");
        File.Copy(pinned.Path, copy);
        var afterWrites = Hash(pinned.Path);
        var copied = new SqliteDatabase(copy);

        Assert.Multiple(() =>
        {
            Assert.That(afterWrites, Is.EqualTo(atPin), "no checkpoint wrote into the pinned file");
            Assert.That(new FileInfo(pinned.Path).Length, Is.EqualTo(pinned.Length));
            Assert.That(source.Scalar("SELECT count(*) FROM llm_usage_events"), Is.EqualTo(rowsAtPin + 300), "the writer was not blocked");
            Assert.That(new DatabaseMigrator(copied).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
            Assert.That(Count(copied), Is.EqualTo(rowsAtPin), "the pinned file holds exactly what was committed when it was pinned");
            Assert.That(pinned.SchemaVersion, Is.EqualTo(DatabaseMigrator.LatestVersion));
        });
    }

    [Test]
    public void TryPin_AReaderKeepsTheWalInUse_GivesUpAndTheBackupTakesAnOnlineCopyInstead()
    {
        using var source = new TestDatabase();
        source.SeedUsage("run-0", phases: 10, rows: 100);

        // A reader whose snapshot includes WAL frames keeps a TRUNCATE checkpoint from finishing.
        Insert(source.Database, 1);
        using var reader = source.Database.Open();
        using var readTransaction = reader.BeginTransaction(deferred: true);
        using (var read = reader.CreateCommand())
        {
            read.Transaction = readTransaction;
            read.CommandText = "SELECT count(*) FROM llm_usage_events";
            read.ExecuteScalar();
        }

        Assert.That(PinnedDatabaseFile.TryPin(source.Database, tries: 2), Is.Null);
    }

    private static void Insert(SqliteDatabase database, int n)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) " +
            "VALUES ('run-p', 'run-p-p1', 'writer', 'openai', 'gpt-4o-mini', 'builder', $n, 1, '2026-12-04T01:00:00.000Z')";
        command.Parameters.AddWithValue("$n", n);
        command.ExecuteNonQuery();
    }

    private static long Count(SqliteDatabase database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM llm_usage_events";
        return (long)command.ExecuteScalar()!;
    }

    private static string Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
