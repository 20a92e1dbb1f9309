using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Backup;

/// <summary>
/// Every kind of hostile or damaged archive is refused with a clear one-line reason, even with --force, and the
/// installation it was meant to replace is left byte-identical with nothing extracted anywhere.
/// </summary>
public sealed class HostileArchiveTests
{
    private TestDatabase source = null!;
    private TestDatabase installed = null!;
    private TempDirectory work = null!;
    private string goodArchive = null!;

    [SetUp]
    public async Task SetUp()
    {
        source = new TestDatabase();
        await source.CreateRunAsync(new PlanBuilder("run-src").Phase("p1").Build());
        BackupTestFiles.Write(Path.Combine(source.RunsDirectory, "run-src", "executor.log"), "phase p1 COMPLETE\n");
        work = new TempDirectory("autopack-hostile");
        goodArchive = Path.Combine(work.Path, "good.tar.gz");
        await new BackupWriter(source.Database, TimeProvider.System).WriteAsync(new BackupSources(source.RunsDirectory, null), goodArchive);

        installed = new TestDatabase();
        await installed.CreateRunAsync(new PlanBuilder("run-installed").Phase("p1").Build());
        BackupTestFiles.Write(Path.Combine(installed.RunsDirectory, "run-installed", "executor.log"), "installed log\n");
    }

    [TearDown]
    public void TearDown()
    {
        source.Dispose();
        installed.Dispose();
        work.Dispose();
    }

    [TestCase("absolute path", "absolute path '/tmp/autopack-evil.txt'")]
    [TestCase("dot-dot entry", "a '..' path 'runs/../../escape.txt'")]
    [TestCase("symbolic link", "a symbolic link 'runs/run-src/link' -> '/etc/passwd'")]
    [TestCase("hard link", "a hard link 'runs/run-src/hard' -> 'autopack.db'")]
    [TestCase("character device", "a character device 'runs/run-src/null'")]
    [TestCase("fifo", "a fifo 'runs/run-src/pipe'")]
    [TestCase("directory entry", "a directory entry 'runs/run-src/dir'")]
    [TestCase("checksum mismatch", "checksum mismatch for 'runs/run-src/executor.log'")]
    [TestCase("entry not in manifest", "'runs/run-src/extra.txt' is not in the manifest")]
    [TestCase("manifest entry missing", "the manifest lists 'runs/run-src/executor.log' but the archive does not hold it")]
    [TestCase("duplicate entry", "holds 'runs/run-src/executor.log' twice")]
    [TestCase("missing manifest", "no manifest.json as its first entry")]
    [TestCase("manifest lists an absolute path", "manifest.json lists an absolute path '/etc/shadow'")]
    [TestCase("newer schema", "newer than this autopack knows")]
    [TestCase("newer format", "backup format 2 is newer than this autopack reads (1)")]
    [TestCase("size mismatch", "'runs/run-src/executor.log' is 4 bytes, the manifest says 18")]
    [TestCase("control file entry", "a control or temp file 'runs/.abort_run'")]
    [TestCase("truncated gzip", "damaged or truncated")]
    [TestCase("not gzip at all", "damaged or truncated")]
    [TestCase("format version a string", "format_version must be a number, got a string")]
    [TestCase("schema version a string", "$.schema_version")]
    [TestCase("flipped crc", "CRC-32")]
    [TestCase("wrong isize", "CRC-32")]
    [TestCase("truncated trailer", "CRC-32")]
    [TestCase("trailing garbage", "trailing bytes after the last gzip member")]
    [TestCase("trailing gzip header", "damaged or truncated")]
    public async Task Restore_HostileArchive_RefusedAndInstallationUntouched(string kind, string expected)
    {
        var archive = Path.Combine(work.Path, "hostile.tar.gz");
        Forge(kind, archive);
        var target = new RestoreTarget(installed.Database.FullPath, installed.RunsDirectory, Path.Combine(installed.FolderPath, "docs", "BUILD_HISTORY.md"));
        var database = BackupTestFiles.DatabaseFingerprint(installed.Database);
        var runtime = BackupTestFiles.Tree(installed.RunsDirectory);

        var refusal = Assert.ThrowsAsync<BackupRefusedException>(() =>
            new BackupRestorer(TimeProvider.System).RestoreAsync(archive, target, new RestoreOptions(Force: true, TimeSpan.FromSeconds(15))));

        Assert.Multiple(() =>
        {
            Assert.That(refusal!.Message, Does.Contain(expected));
            Assert.That(refusal.Message, Does.Not.Contain('\n'), "one line");
            Assert.That(BackupTestFiles.DatabaseFingerprint(installed.Database), Is.EqualTo(database), "the database is byte-identical");
            Assert.That(BackupTestFiles.Tree(installed.RunsDirectory), Is.EqualTo(runtime), "the runtime folder is untouched");
            Assert.That(Directory.GetFileSystemEntries(installed.FolderPath).Select(Path.GetFileName), Is.EquivalentTo(new[] { "autopack.db", ".autonomous_runs" }), "no staging folder or replaced copy left");
            Assert.That(File.Exists("/tmp/autopack-evil.txt"), Is.False);
            Assert.That(File.Exists(Path.Combine(installed.FolderPath, "..", "escape.txt")), Is.False);
        });
    }

    private void Forge(string kind, string archive)
    {
        var good = ForgedEntry.ReadAll(goodArchive);
        var manifest = good[0];
        var log = good.Single(e => e.Name == "runs/run-src/executor.log");
        List<ForgedEntry> entries = kind switch
        {
            "absolute path" => [.. good, new("/tmp/autopack-evil.txt", "evil"u8.ToArray())],
            "dot-dot entry" => [.. good, new("runs/../../escape.txt", "evil"u8.ToArray())],
            "symbolic link" => [.. good, new("runs/run-src/link", null, TarEntryType.SymbolicLink, "/etc/passwd")],
            "hard link" => [.. good, new("runs/run-src/hard", null, TarEntryType.HardLink, "autopack.db")],
            "character device" => [.. good, new("runs/run-src/null", null, TarEntryType.CharacterDevice)],
            "fifo" => [.. good, new("runs/run-src/pipe", null, TarEntryType.Fifo)],
            "directory entry" => [.. good, new("runs/run-src/dir", null, TarEntryType.Directory)],
            "checksum mismatch" => good.Select(e => e == log ? e with { Data = Encoding.UTF8.GetBytes("phase p1 FAILED!!\n") } : e).ToList(),
            "size mismatch" => good.Select(e => e == log ? e with { Data = "evil"u8.ToArray() } : e).ToList(),
            "entry not in manifest" => [.. good, new("runs/run-src/extra.txt", "extra"u8.ToArray())],
            "manifest entry missing" => good.Where(e => e != log).ToList(),
            "duplicate entry" => [.. good, log],
            "missing manifest" => good.Skip(1).ToList(),
            "manifest lists an absolute path" => [Manifest(manifest, m => m["entries"]!.AsArray().Add(new JsonObject { ["path"] = "/etc/shadow", ["size"] = 1, ["sha256"] = new string('0', 64) })), .. good.Skip(1)],
            "newer schema" => [Manifest(manifest, m => m["schema_version"] = DatabaseMigrator.LatestVersion + 1), .. good.Skip(1)],
            "newer format" => [Manifest(manifest, m => m["format_version"] = 2), .. good.Skip(1)],
            "format version a string" => [Manifest(manifest, m => m["format_version"] = "1"), .. good.Skip(1)],
            "schema version a string" => [Manifest(manifest, m => m["schema_version"] = "1"), .. good.Skip(1)],
            "control file entry" => [.. good, new("runs/.abort_run", "abort:run-installed\n"u8.ToArray())],
            _ => [],
        };

        if (GzipDamage(kind, File.ReadAllBytes(goodArchive)) is { } damaged)
        {
            File.WriteAllBytes(archive, damaged);
        }
        else if (kind == "truncated gzip")
        {
            var bytes = File.ReadAllBytes(goodArchive);
            File.WriteAllBytes(archive, bytes[..(bytes.Length * 6 / 10)]);
        }
        else if (kind == "not gzip at all")
        {
            File.WriteAllText(archive, "this is a text file renamed to .tar.gz\n");
        }
        else
        {
            Assert.That(entries, Is.Not.Empty, $"unknown case {kind}");
            ForgedEntry.WriteAll(archive, entries);
        }
    }

    /// <summary>
    /// Damage to the gzip container that leaves every tar entry readable: the last member's trailer (CRC-32, then
    /// ISIZE, the file's last 8 bytes) altered or cut, or bytes after it. Null for the other kinds.
    /// </summary>
    private static byte[]? GzipDamage(string kind, byte[] good)
    {
        var bytes = (byte[])good.Clone();
        switch (kind)
        {
            case "flipped crc":
                bytes[^8] ^= 0x01;
                return bytes;
            case "wrong isize":
                bytes[^4] ^= 0x01;
                return bytes;
            case "truncated trailer":
                return bytes[..^3];
            case "trailing garbage":
                return [.. bytes, .. "garbage\n"u8.ToArray()];
            case "trailing gzip header":
                return [.. bytes, 0x1f, 0x8b, 0x08, 0x00];
            default:
                return null;
        }
    }

    private static ForgedEntry Manifest(ForgedEntry manifest, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(manifest.Data)!.AsObject();
        change(json);
        return manifest with { Data = Encoding.UTF8.GetBytes(json.ToJsonString()) };
    }
}
