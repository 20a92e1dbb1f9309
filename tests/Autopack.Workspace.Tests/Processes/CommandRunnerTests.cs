using Autopack.Testing;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tests.Processes;

public class CommandRunnerTests
{
    private static readonly CommandRunner Runner = new();
    private TempDirectory _folder = null!;

    [SetUp]
    public void SetUp() => _folder = new TempDirectory("autopack-ws");

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public async Task RunShellAsync_SuccessfulCommand_ReturnsExitCodeAndInterleavedOutput()
    {
        var result = await Runner.RunShellAsync("echo out; echo err >&2; echo again", _folder.Path, Options(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.Succeeded, Is.True);
            Assert.That(result.TimedOut, Is.False);
            Assert.That(result.Output, Does.Contain("out").And.Contain("err").And.Contain("again"));
            Assert.That(result.OutputTruncated, Is.False);
        });
    }

    [Test]
    public async Task RunShellAsync_FailingCommand_ReturnsExitCodeWithoutThrowing()
    {
        var result = await Runner.RunShellAsync("echo nope; exit 3", _folder.Path, Options(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3));
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Output.Trim(), Is.EqualTo("nope"));
        });
    }

    [Test]
    public async Task RunShellAsync_RunsInWorkingDirectory()
    {
        var result = await Runner.RunShellAsync("pwd", _folder.Path, Options(), CancellationToken.None);

        Assert.That(result.Output.Trim(), Is.EqualTo(_folder.Path));
    }

    [Test]
    public async Task RunShellAsync_StdinIsClosed_ReadingItEndsAtOnce()
    {
        var result = await Runner.RunShellAsync("cat; echo done", _folder.Path, Options(timeoutSeconds: 30), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.TimedOut, Is.False);
            Assert.That(result.Output.Trim(), Is.EqualTo("done"));
        });
    }

    [Test]
    public async Task RunShellAsync_LargeOutput_KeepsTailAndSaysHowMuchWasCut()
    {
        var result = await Runner.RunShellAsync(
            "seq 1 20000", _folder.Path, Options() with { MaxOutputChars = 100 }, CancellationToken.None);

        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(result.OutputTruncated, Is.True);
            Assert.That(result.OmittedChars, Is.GreaterThan(100_000));
            Assert.That(lines[0], Does.StartWith("[output cut: the first ").And.Contain(result.OmittedChars.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(lines[^1], Is.EqualTo("20000"));
            Assert.That(result.Output.Length, Is.LessThan(200));
        });
    }

    [Test]
    public async Task RunShellAsync_LogPath_GetsFullOutputWhileResultKeepsTail()
    {
        var log = _folder.Combine("logs", "verify.log");

        var result = await Runner.RunShellAsync(
            "seq 1 5000", _folder.Path, Options() with { MaxOutputChars = 50, LogPath = log }, CancellationToken.None);

        var logged = await File.ReadAllLinesAsync(log);
        Assert.Multiple(() =>
        {
            Assert.That(result.OutputTruncated, Is.True);
            Assert.That(logged, Has.Length.EqualTo(5000));
            Assert.That(logged[0], Is.EqualTo("1"));
            Assert.That(logged[^1], Is.EqualTo("5000"));
        });
    }

    [Test]
    public async Task RunAsync_ProgramWithArguments_PassesArgumentsVerbatim()
    {
        var result = await Runner.RunAsync(
            "printf", ["%s|", "a b", "$HOME", "'q'"], _folder.Path, Options(), CancellationToken.None);

        Assert.That(result.Output, Is.EqualTo("a b|$HOME|'q'|"));
    }

    /// <summary>
    /// The exit code is read while CliWrap still holds the process: a read after it disposed the process throws, and
    /// a thrown exception cost each git process of a run some time.
    /// </summary>
    [Test]
    public async Task RunAsync_ManyShortPrograms_ReadsEveryExitWithoutAnException()
    {
        var exitCodes = new List<int?>();
        using var thrown = new FirstChanceExceptions(
            e => e is InvalidOperationException && new System.Diagnostics.StackTrace().ToString().Contains(nameof(CommandRunner), StringComparison.Ordinal));
        for (var i = 0; i < 30; i++)
        {
            exitCodes.Add((await Runner.RunAsync("sh", ["-c", $"exit {i % 3}"], _folder.Path, Options(), CancellationToken.None)).ExitCode);
        }

        Assert.That(exitCodes, Is.EqualTo(Enumerable.Range(0, 30).Select(i => (int?)(i % 3))));
        Assert.That(thrown.Thrown, Is.Empty, string.Join("\n", thrown.Thrown.Select(e => e.Message)));
    }

    [Test]
    public async Task RunShellAsync_Timeout_KillsWholeTreeAndReportsTimedOut()
    {
        // A child and a grandchild: the shell's own background job, and one orphaned by a subshell that exits.
        const string command = "sleep 300 & echo pid=$!; (sleep 300 & echo pid=$!) ; sleep 300";

        var result = await Runner.RunShellAsync(command, _folder.Path, Options(timeoutSeconds: 1), CancellationToken.None);

        var pids = ProcessProbe.PidsIn(result.Output);
        Assert.That(pids, Has.Count.EqualTo(2));
        Assert.Multiple(async () =>
        {
            Assert.That(result.TimedOut, Is.True);
            Assert.That(result.ExitCode, Is.Null);
            Assert.That(result.Succeeded, Is.False);
            foreach (var pid in pids)
            {
                Assert.That(await ProcessProbe.IsGoneSoonAsync(pid), Is.True, $"process {pid} survived the timeout");
            }
        });
    }

    [Test]
    public async Task RunShellAsync_CallerCancels_KillsTreeAndThrows()
    {
        var pidFile = _folder.Combine("pid");
        using var cancellation = new CancellationTokenSource();
        var run = Runner.RunShellAsync($"sleep 300 & echo $! > {pidFile}; wait", _folder.Path, Options(timeoutSeconds: 300), cancellation.Token);
        while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile)).Trim().Length == 0)
        {
            await Task.Delay(20);
        }

        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await cancellation.CancelAsync();

        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await ProcessProbe.IsGoneSoonAsync(pid), Is.True);
    }

    [Test]
    public async Task RunShellAsync_BackgroundChildKeepsOutputOpen_ReturnsExitCodeAndKillsChild()
    {
        var result = await Runner.RunShellAsync(
            "sleep 300 & echo pid=$!; exit 4", _folder.Path, Options(timeoutSeconds: 60), CancellationToken.None);

        var pid = ProcessProbe.PidsIn(result.Output).Single();
        Assert.Multiple(async () =>
        {
            Assert.That(result.TimedOut, Is.False);
            Assert.That(result.ExitCode, Is.EqualTo(4));
            Assert.That(await ProcessProbe.IsGoneSoonAsync(pid), Is.True);
        });
    }

    [Test]
    public async Task RunShellAsync_ScrubSecrets_RemovesSecretVariablesAndKeepsOthers()
    {
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-test-openai",
            ["ANTHROPIC_AUTH_TOKEN"] = "tok-anthropic",
            ["MY_SERVICE_PASSWORD"] = "hunter2",
            ["SOME_SECRET_VALUE"] = "s3",
            ["AUTOPACK_API_KEY"] = "ak",
            ["HARMLESS_SETTING"] = "visible",
        };

        var result = await Runner.RunShellAsync("env", _folder.Path, Options() with { Environment = environment }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("HARMLESS_SETTING=visible"));
            Assert.That(result.Output, Does.Not.Contain("sk-test-openai").And.Not.Contain("OPENAI_API_KEY"));
            Assert.That(result.Output, Does.Not.Contain("tok-anthropic").And.Not.Contain("hunter2"));
            Assert.That(result.Output, Does.Not.Contain("SOME_SECRET_VALUE").And.Not.Contain("AUTOPACK_API_KEY"));
            Assert.That(result.Output, Does.Contain("PATH="));
        });
    }

    [Test]
    public async Task RunShellAsync_ScrubSecretsOff_PassesVariables()
    {
        var environment = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test-openai" };

        var result = await Runner.RunShellAsync(
            "echo $OPENAI_API_KEY", _folder.Path, Options() with { Environment = environment, ScrubSecrets = false }, CancellationToken.None);

        Assert.That(result.Output.Trim(), Is.EqualTo("sk-test-openai"));
    }

    [Test]
    public void EnvironmentFor_InheritedSecret_IsRemoved()
    {
        // The runner's own environment is inherited by every command; only the override map is inspected here.
        var name = $"AUTOPACK_TEST_{Guid.NewGuid():N}_API_KEY";
        Environment.SetEnvironmentVariable(name, "inherited");
        try
        {
            var overrides = CommandRunner.EnvironmentFor(null, scrubSecrets: true);

            Assert.That(overrides, Does.ContainKey(name).WithValue(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Test]
    public async Task RunShellAsync_PassedSecret_KeptWhileEveryOtherSecretIsScrubbed()
    {
        // An external builder gets its attempt key on purpose; a provider key given alongside is still removed.
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "apk-attempt-key",
            ["ANTHROPIC_API_KEY"] = "sk-ant-not-passed",
        };

        var result = await Runner.RunShellAsync(
            "env", _folder.Path, Options() with { Environment = environment, PassedSecrets = new HashSet<string> { "OPENAI_API_KEY" } }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("OPENAI_API_KEY=apk-attempt-key"));
            Assert.That(result.Output, Does.Not.Contain("sk-ant-not-passed").And.Not.Contain("ANTHROPIC_API_KEY"));
        });
    }

    [Test]
    public void EnvironmentFor_PassedSecretAlsoInherited_GetsTheGivenValueOnly()
    {
        var name = $"AUTOPACK_TEST_{Guid.NewGuid():N}_API_KEY";
        Environment.SetEnvironmentVariable(name, "inherited-real-key");
        try
        {
            var overrides = CommandRunner.EnvironmentFor(
                new Dictionary<string, string?> { [name] = "given-attempt-key" }, scrubSecrets: true, new HashSet<string> { name });

            Assert.That(overrides, Does.ContainKey(name).WithValue("given-attempt-key"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Test]
    public void RunShellAsync_MissingWorkingDirectory_Throws() =>
        Assert.That(
            async () => await Runner.RunShellAsync("true", _folder.Combine("missing"), Options(), CancellationToken.None),
            Throws.InstanceOf<DirectoryNotFoundException>());

    private static CommandOptions Options(int timeoutSeconds = 30) => new(TimeSpan.FromSeconds(timeoutSeconds));
}
