using Autopack.Domain.Runs;
using Autopack.Storage.Runs;

namespace Autopack.Cli.Tests.Commands;

public class PhasesCommandsTests
{
    private CliHarness cli = null!;

    [SetUp]
    public async Task SetUp()
    {
        cli = new CliHarness();
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "create", "--file", CliHarness.ExamplePlan);
    }

    [TearDown]
    public void TearDown() => cli.Dispose();

    [Test]
    public async Task Timeout_ExecutingPhase_WritesForceTimeoutAsEchoWould()
    {
        var writer = new RunStateWriter(cli.Database, TimeProvider.System);
        await writer.TransitionRunAsync("demo-1", RunStatus.Executing);
        await writer.TransitionPhaseAsync("demo-1-p2", PhaseStatus.Executing);

        var result = await cli.RunOkAsync("phases", "timeout", "demo-1-p2");

        var path = Path.Combine(cli.RunsDirectory, ".force_timeout");
        Assert.That(File.ReadAllText(path), Is.EqualTo("timeout:demo-1-p2\n"));
        Assert.That(result.Output.Trim(), Is.EqualTo($"wrote timeout:demo-1-p2 to {path}"));
    }

    [Test]
    public async Task Timeout_CompletedPhase_RefusedWithOneLineAndNoControlFile()
    {
        var writer = new RunStateWriter(cli.Database, TimeProvider.System);
        await writer.TransitionPhaseAsync("demo-1-p1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("demo-1-p1", PhaseStatus.Gate);
        await writer.TransitionPhaseAsync("demo-1-p1", PhaseStatus.Complete);

        var result = await cli.RunAsync("phases", "timeout", "demo-1-p1");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("COMPLETE"));
        Assert.That(File.Exists(Path.Combine(cli.RunsDirectory, ".force_timeout")), Is.False);
    }

    [Test]
    public async Task Timeout_UnsafePhaseId_RefusedWithoutWritingAnything()
    {
        var result = await cli.RunAsync("phases", "timeout", "../../etc");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(Directory.Exists(cli.RunsDirectory) ? Directory.GetFiles(cli.RunsDirectory) : [], Is.Empty);
    }
}
