using System.Diagnostics;
using Autopack.Executor.Control;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// Control files that are not what an operator's echo writes (issue 13, item 4), against a real `autopack execute`
/// process: a symbolic link, a FIFO and an oversized file are refused without being followed, opened for long or
/// read whole, nothing of their content reaches <c>events</c>, and the executor keeps acting on real commands.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class HostileControlFileProcessTests
{
    private const int SlowCallMs = 30_000;

    [Test]
    public async Task ForceTimeoutSymlinkToPasswd_NotFollowed_NothingOfTheTargetRecorded()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("link-1").Phase("link-1-a").Build());
        var link = Path.Combine(s.RunsDirectory, ".force_timeout");
        using var executor = s.StartExecutor(runId, SlowCallMs);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("link-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        File.CreateSymbolicLink(link, "/etc/passwd");

        Assert.That(await Eventually.TrueAsync(() => s.Db.Scalar("SELECT count(*) FROM events WHERE kind='control_refused'") == 1, TimeSpan.FromSeconds(10)), Is.True, executor.Output + executor.Error);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(link) || Directory.Exists(link) || new FileInfo(link).LinkTarget is not null, Is.False, "the link itself is removed");
            Assert.That(File.Exists("/etc/passwd"), Is.True, "its target is untouched");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE message LIKE '%root:%'"), Is.Zero, "nothing of the target reaches events");
            Assert.That(s.Text("SELECT message FROM events WHERE kind='control_refused'"), Does.Contain(".force_timeout").And.Contain("symbolic link"));
            Assert.That(s.RunStatus(runId), Is.EqualTo("EXECUTING"));
        });

        await File.WriteAllTextAsync(Path.Combine(s.RunsDirectory, ".abort_run"), $"abort:{runId}\n");
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
        Assert.That(s.RunStatus(runId), Is.EqualTo("ABORTED"));
    }

    [Test]
    public async Task AbortFileIsAFifo_ExecutorDoesNotBlock_RemovesItAndActsOnTheNextAbort()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("fifo-1").Phase("fifo-1-a").Build());
        var fifo = Path.Combine(s.RunsDirectory, ".abort_run");
        using var executor = s.StartExecutor(runId, SlowCallMs);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("fifo-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        Run("mkfifo", fifo);

        // Opening a FIFO for reading blocks until a writer comes: read as a file, it would stall every later check.
        Assert.That(await Eventually.TrueAsync(() => s.Db.Scalar("SELECT count(*) FROM events WHERE kind='control_refused'") == 1, TimeSpan.FromSeconds(10)), Is.True, executor.Output + executor.Error);
        Assert.That(File.Exists(fifo), Is.False, "the FIFO is removed");
        Assert.That(s.Text("SELECT message FROM events WHERE kind='control_refused'"), Does.Contain("not a regular file"));

        await File.WriteAllTextAsync(fifo, $"abort:{runId}\n");
        Assert.That(await Eventually.TrueAsync(() => s.RunStatus(runId) == "ABORTED", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
    }

    [Test]
    public async Task OversizedStopFile_NotReadWhole_RefusedWithoutItsTextAndRunKeepsGoing()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("big-1").Phase("big-1-a").Build());
        var stop = Path.Combine(s.RunsDirectory, ".stop_executor");
        using var executor = s.StartExecutor(runId, SlowCallMs);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("big-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        // A valid command followed by 2 MB: a control file is a short line, so this is refused whole, not obeyed.
        var staged = Path.Combine(s.Db.FolderPath, "big-stop");
        await File.WriteAllTextAsync(staged, $"stop:{runId}\nSECRET" + new string('s', 2_000_000));
        File.Move(staged, stop);

        Assert.That(await Eventually.TrueAsync(() => s.Db.Scalar("SELECT count(*) FROM events WHERE kind='control_refused'") == 1, TimeSpan.FromSeconds(10)), Is.True, executor.Output + executor.Error);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(stop), Is.False, "the oversized file is consumed");
            Assert.That(s.Text("SELECT message FROM events WHERE kind='control_refused'"), Does.Contain($"over {ControlFileReader.MaxBytes} bytes"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE message LIKE '%SECRET%'"), Is.Zero, "its text is not recorded");
            Assert.That(executor.HasExited, Is.False, "an oversized stop is not obeyed");
            Assert.That(s.RunStatus(runId), Is.EqualTo("EXECUTING"));
        });

        await File.WriteAllTextAsync(Path.Combine(s.RunsDirectory, ".abort_run"), $"abort:{runId}\n");
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
    }

    [Test]
    public async Task MalformedAbortFile_ConsumedAndRecordedWithoutItsText()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("junk-1").Phase("junk-1-a").Build());
        var abort = Path.Combine(s.RunsDirectory, ".abort_run");
        using var executor = s.StartExecutor(runId, SlowCallMs);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("junk-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        await File.WriteAllTextAsync(abort, "password=hunter2\n");

        Assert.That(await Eventually.TrueAsync(() => !File.Exists(abort), TimeSpan.FromSeconds(10)), Is.True, "malformed content is consumed");
        Assert.Multiple(() =>
        {
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind='control_malformed'"), Is.EqualTo(1));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE message LIKE '%hunter2%'"), Is.Zero, "text that does not parse is not recorded");
        });

        await File.WriteAllTextAsync(abort, $"abort:{runId}\n");
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, error);
    }
}
