using System.Diagnostics;
using Autopack.Executor.Tests.Support;
using Autopack.Llm.Providers;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// A provider reply of hundreds of kilobytes to megabytes without whitespace (issue 13, item 2), against a real
/// `autopack execute` process and an OpenAI-compatible stand-in on loopback: the executor keeps at most
/// <see cref="LlmResponse.MaxTextChars"/> of it, works on it in time linear in its size, and an abort or a forced
/// timeout written while it does acts at once.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class HugeReplyProcessTests
{
    private static readonly TimeSpan ActsWithin = TimeSpan.FromSeconds(30);

    [Test]
    public async Task AbortFile_AfterAHugeBuilderReply_RunAbortedNothingCommitted()
    {
        using var s = new ExecutorScenario();
        await using var server = await HugeReplyChatServer.StartAsync(300_000, holdAuditor: true);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("huge-abort").Phase("huge-abort-a", provider: "openai").Phase("huge-abort-b").Build());
        using var executor = AutopackProcess.Start(s.Db.FolderPath, Environment(s, server), "execute", "--run-id", runId);
        Assert.That(await Eventually.TrueAsync(() => server.BuilderReplies == 1 || executor.HasExited, TimeSpan.FromSeconds(60)), Is.True, executor.Output + executor.Error);
        await Task.Delay(300);

        await File.WriteAllTextAsync(Path.Combine(s.RunsDirectory, ".abort_run"), $"abort:{runId}\n");

        // Before the fix the executor spent 77 s counting the auditor's prompt, deaf to the abort it had consumed.
        Assert.That(await Eventually.TrueAsync(() => s.RunStatus(runId) == "ABORTED", ActsWithin), Is.True, executor.Output + executor.Error);
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(executor.ExitCode, Is.Zero, executor.Error);
            Assert.That(s.PhaseStatus("huge-abort-a"), Is.EqualTo("FAILED"));
            Assert.That(s.PhaseStatus("huge-abort-b"), Is.EqualTo("SKIPPED"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });
    }

    [Test]
    public async Task TimeoutFile_AfterAHugeBuilderReply_PhaseTimedOut()
    {
        using var s = new ExecutorScenario();
        await using var server = await HugeReplyChatServer.StartAsync(300_000, holdAuditor: true);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("huge-to").Phase("huge-to-a", provider: "openai", maxAttempts: 1).Build());
        using var executor = AutopackProcess.Start(s.Db.FolderPath, Environment(s, server), "execute", "--run-id", runId);
        Assert.That(await Eventually.TrueAsync(() => server.BuilderReplies == 1 || executor.HasExited, TimeSpan.FromSeconds(60)), Is.True, executor.Output + executor.Error);
        await Task.Delay(300);

        await File.WriteAllTextAsync(Path.Combine(s.RunsDirectory, ".force_timeout"), "timeout:huge-to-a\n");

        Assert.That(await Eventually.TrueAsync(
            () => s.Db.Scalar("SELECT count(*) FROM events WHERE phase_id='huge-to-a' AND message LIKE '% -> TIMED_OUT%'") == 1, ActsWithin), Is.True, executor.Output + executor.Error);
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_FAILED"));
    }

    [Test]
    public async Task Execute_ThreeMegabyteBuilderReply_KeptCutWithANoteAndTheRunFinishes()
    {
        using var s = new ExecutorScenario();
        await using var server = await HugeReplyChatServer.StartAsync(3_000_000, holdAuditor: false);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("huge-cut").Phase("huge-cut-a", provider: "openai").Build());
        var clock = Stopwatch.StartNew();

        var (code, output, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, Environment(s, server), TimeSpan.FromSeconds(120), "execute", "--run-id", runId);

        TestContext.Progress.WriteLine($"3 MB builder reply: run ended after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(code, Is.Zero, output + error);
        var transcript = File.ReadAllText(Path.Combine(s.RunsDirectory, runId, "phases", "huge-cut-a", "attempt-1.transcript.jsonl"));
        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(server.AuditorPrompts, Has.Count.EqualTo(1));
            Assert.That(server.AuditorPrompts[0], Does.Contain($"[reply cut by Autopack: {LlmResponse.MaxTextChars} of 3000000 characters kept]"));
            Assert.That(server.AuditorPrompts[0].Length, Is.LessThan(LlmResponse.MaxTextChars + 2_000), "the auditor sees the cut reply, not 3 MB");
            Assert.That(transcript.Length, Is.LessThan((2 * LlmResponse.MaxTextChars) + 10_000), "the transcript keeps the cut reply (as the turn's text and as the summary), not 3 MB");
        });
    }

    private static Dictionary<string, string?> Environment(ExecutorScenario s, HugeReplyChatServer server) => new(s.Environment())
    {
        ["AUTOPACK_OPENAI_BASE_URL"] = $"{server.BaseUrl}/v1",
        ["AUTOPACK_OPENAI_API_KEY"] = "test-openai-key",
    };
}
