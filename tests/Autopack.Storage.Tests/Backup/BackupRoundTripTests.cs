using System.Globalization;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Autopack.Testing;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Tests.Backup;

public sealed class BackupRoundTripTests
{
    private const string UsageColumns = "id, run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at";

    [Test, CancelAfter(60_000)]
    public async Task WriteThenRestore_WhileWritersKeepWriting_RestoresAConsistentPrefixAndTheLogs(CancellationToken cancellationToken)
    {
        using var source = new TestDatabase();
        var runtime = source.RunsDirectory;
        BackupTestFiles.Write(Path.Combine(runtime, "run-1", "executor.log"), "phase run-1-p1 EXECUTING\nphase run-1-p1 COMPLETE\n");
        // Incompressible and larger than a compression block, so the archive is several gzip members.
        BackupTestFiles.Write(Path.Combine(runtime, "run-2", "workspace", "artifact.bin"), RandomBytes(9_000_000));
        BackupTestFiles.Write(Path.Combine(runtime, ".stop_executor"), "stop:run-1\n");
        BackupTestFiles.Write(Path.Combine(runtime, ".tmp-0123"), "half a control file");
        var history = Path.Combine(source.FolderPath, "docs", "BUILD_HISTORY.md");
        BackupTestFiles.Write(history, "# Build history\n\n## run-1 DONE_SUCCESS\n");
        source.SeedUsage("run-0", phases: 10, rows: 5_000);

        // Writers keep going through real connections for the whole backup: paired usage row + event in one
        // transaction, events through EventLog, and a log file being appended to.
        using var stop = new CancellationTokenSource();
        var written = 0L;
        var growingLog = Path.Combine(runtime, "run-3", "executor.log");
        BackupTestFiles.Write(growingLog, string.Empty);
        var writers = new[]
        {
            Task.Run(() => WritePairs(source.Database, stop.Token, () => Interlocked.Increment(ref written)), CancellationToken.None),
            Task.Run(() => AppendEvents(source.Database, stop.Token), CancellationToken.None),
            Task.Run(() => AppendLog(growingLog, stop.Token), CancellationToken.None),
        };
        while (Interlocked.Read(ref written) < 50)
        {
            await Task.Delay(10, cancellationToken);
        }

        var before = Interlocked.Read(ref written);
        using var folder = new TempDirectory("autopack-backup");
        var output = Path.Combine(folder.Path, "nested", "autopack-backup-20261125-020000.tar.gz");
        var result = await new BackupWriter(source.Database, TimeProvider.System)
            .WriteAsync(new BackupSources(runtime, history), output, cancellationToken: cancellationToken);
        while (Interlocked.Read(ref written) < before + 100)
        {
            await Task.Delay(10, cancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.That(File.Exists(output), Is.True);
        Assert.That(SystemTarList(output), Is.EqualTo(new[]
        {
            "manifest.json", "autopack.db", "runs/run-1/executor.log", "runs/run-2/workspace/artifact.bin", "runs/run-3/executor.log", "docs/BUILD_HISTORY.md",
        }), "a plain .tar.gz that tar reads, manifest first");
        Assert.That(result.Files, Is.EqualTo(5), "db, 2 runtime files and the log being written (not .stop_executor or .tmp-*), BUILD_HISTORY.md");
        Assert.That(result.Deflate, Is.EqualTo("ISA-L"), "libisal2 is installed by .ci/setup-test-deps.sh");
        Assert.That(Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!), Is.EqualTo(new[] { output }), "no temp files left beside the backup");

        using var fresh = new TempDirectory("autopack-restore");
        var target = BackupTestFiles.TargetIn(fresh.Path);
        var restore = await new BackupRestorer(TimeProvider.System)
            .RestoreAsync(output, target, new RestoreOptions(false, TimeSpan.FromSeconds(15)), cancellationToken: cancellationToken);

        var leftovers = Directory.GetFileSystemEntries(fresh.Path).Select(Path.GetFileName).ToList();
        var restored = new SqliteDatabase(target.DatabasePath);
        Assert.Multiple(() =>
        {
            Assert.That(leftovers, Is.EquivalentTo(new[] { "autopack.db", ".autonomous_runs", "docs" }), "no staging folder or WAL left");
            Assert.That(restore.ReplacedDatabasePath, Is.Null);
            Assert.That(new DatabaseMigrator(restored).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));

            // A consistent snapshot of sequential writes is a prefix: ids 1..K with no gap, every row as in the source.
            var restoredRows = Rows(restored, $"SELECT {UsageColumns} FROM llm_usage_events ORDER BY id");
            var snapshotCount = restoredRows.Count;
            Assert.That(snapshotCount, Is.GreaterThanOrEqualTo(5_000 + before), "everything committed before the backup started");
            Assert.That(snapshotCount, Is.LessThan(5_000 + Interlocked.Read(ref written)), "nothing committed after the snapshot");
            Assert.That(restoredRows, Is.EqualTo(Rows(source.Database, $"SELECT {UsageColumns} FROM llm_usage_events WHERE id <= {snapshotCount} ORDER BY id")));
            Assert.That(
                Sql.Scalar(restored, "SELECT count(*) FROM events WHERE kind = 'writer_pair'"),
                Is.EqualTo(snapshotCount - 5_000),
                "a usage row and the event of its transaction are in the snapshot together or not at all");
            Assert.That(Sql.Scalar(restored, "SELECT count(*) FROM events WHERE kind = 'restore'"), Is.EqualTo(1));
            Assert.That(Sql.Scalar(source.Database, "SELECT count(*) FROM events WHERE kind = 'backup'"), Is.EqualTo(1));

            Assert.That(BackupTestFiles.Sha256(Path.Combine(target.RuntimeDirectory, "run-1", "executor.log")), Is.EqualTo(BackupTestFiles.Sha256(Path.Combine(runtime, "run-1", "executor.log"))));
            Assert.That(BackupTestFiles.Sha256(Path.Combine(target.RuntimeDirectory, "run-2", "workspace", "artifact.bin")), Is.EqualTo(BackupTestFiles.Sha256(Path.Combine(runtime, "run-2", "workspace", "artifact.bin"))));
            Assert.That(File.ReadAllText(growingLog), Does.StartWith(File.ReadAllText(Path.Combine(target.RuntimeDirectory, "run-3", "executor.log"))));
            Assert.That(File.Exists(Path.Combine(target.RuntimeDirectory, ".stop_executor")), Is.False, "control files are for the processes running where the backup was taken");
            Assert.That(File.Exists(Path.Combine(target.RuntimeDirectory, ".tmp-0123")), Is.False);
            Assert.That(File.ReadAllText(target.BuildHistoryPath), Is.EqualTo(File.ReadAllText(history)));
        });
    }

    /// <summary>Without ISA-L (not installed, or turned off) zlib deflates the archive, which restores the same way.</summary>
    [Test, CancelAfter(60_000)]
    public async Task WriteThenRestore_WithZlib_RestoresTheSameDatabase(CancellationToken cancellationToken)
    {
        using var source = new TestDatabase();
        source.SeedUsage("run-0", phases: 10, rows: 5_000);
        BackupTestFiles.Write(Path.Combine(source.RunsDirectory, "run-2", "workspace", "artifact.bin"), RandomBytes(5_000_000));
        using var folder = new TempDirectory("autopack-backup");
        var output = Path.Combine(folder.Path, "autopack-backup-20261125-020000.tar.gz");

        var result = await new BackupWriter(source.Database, TimeProvider.System) { AcceleratedDeflate = false }
            .WriteAsync(new BackupSources(source.RunsDirectory, null), output, cancellationToken: cancellationToken);

        Assert.That(result.Deflate, Is.EqualTo("zlib"));
        Assert.That(SystemTarList(output), Is.EqualTo(new[] { "manifest.json", "autopack.db", "runs/run-2/workspace/artifact.bin" }));
        using var fresh = new TempDirectory("autopack-restore");
        var target = BackupTestFiles.TargetIn(fresh.Path);
        await new BackupRestorer(TimeProvider.System).RestoreAsync(output, target, new RestoreOptions(false, TimeSpan.FromSeconds(15)), cancellationToken: cancellationToken);
        var restored = new SqliteDatabase(target.DatabasePath);
        Assert.That(Rows(restored, $"SELECT {UsageColumns} FROM llm_usage_events ORDER BY id"), Is.EqualTo(Rows(source.Database, $"SELECT {UsageColumns} FROM llm_usage_events ORDER BY id")));
        Assert.That(BackupTestFiles.Sha256(Path.Combine(target.RuntimeDirectory, "run-2", "workspace", "artifact.bin")), Is.EqualTo(BackupTestFiles.Sha256(Path.Combine(source.RunsDirectory, "run-2", "workspace", "artifact.bin"))));
        SqliteConnection.ClearAllPools();
    }

    [Test]
    public async Task Snapshot_WithVacuumInto_HoldsTheSameRows()
    {
        using var source = new TestDatabase();
        source.SeedUsage("run-0", phases: 10, rows: 1_000);
        using var folder = new TempDirectory("autopack-snapshot");
        var copy = new SqliteDatabase(Path.Combine(folder.Path, "copy.db"));

        await DatabaseSnapshot.TakeAsync(source.Database, copy.FullPath, SnapshotMethod.VacuumInto);

        Assert.That(Rows(copy, $"SELECT {UsageColumns} FROM llm_usage_events ORDER BY id"), Is.EqualTo(Rows(source.Database, $"SELECT {UsageColumns} FROM llm_usage_events ORDER BY id")));
        SqliteConnection.ClearAllPools();
    }

    private static void WritePairs(SqliteDatabase database, CancellationToken stop, Action onCommit)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) " +
                "VALUES ('run-w', 'run-w-p1', 'writer', 'openai', 'gpt-4o-mini', 'auditor', $n, 7, '2026-11-25T01:00:00.000Z'); " +
                "INSERT INTO events (run_id, kind, message, created_at) VALUES ('run-w', 'writer_pair', 'pair ' || $n, '2026-11-25T01:00:00.000Z');";
            command.Parameters.AddWithValue("$n", n++);
            command.ExecuteNonQuery();
            transaction.Commit();
            onCommit();
        }
    }

    private static async Task AppendEvents(SqliteDatabase database, CancellationToken stop)
    {
        var events = new EventLog(database, TimeProvider.System);
        while (!stop.IsCancellationRequested)
        {
            await events.AppendAsync("writer_event", "state change while the backup runs", "run-w", cancellationToken: CancellationToken.None);
        }
    }

    private static async Task AppendLog(string path, CancellationToken stop)
    {
        var line = 0;
        while (!stop.IsCancellationRequested)
        {
            await File.AppendAllTextAsync(path, $"line {line++} of a log being written\n", CancellationToken.None);
            await Task.Delay(1, CancellationToken.None);
        }
    }

    private static List<string> Rows(SqliteDatabase database, string sql)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    /// <summary>The entry names GNU tar lists (the system's tar and gzip, not ours).</summary>
    private static string[] SystemTarList(string archive)
    {
        var info = new System.Diagnostics.ProcessStartInfo("tar", ["-tzf", archive]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var tar = System.Diagnostics.Process.Start(info)!;
        var listing = tar.StandardOutput.ReadToEnd();
        tar.WaitForExit();
        Assert.That(tar.ExitCode, Is.Zero, tar.StandardError.ReadToEnd());
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
