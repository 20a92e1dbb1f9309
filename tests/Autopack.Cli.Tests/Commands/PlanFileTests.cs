using System.Diagnostics;
using System.Text.Json;
using Autopack.Domain.Plans;

namespace Autopack.Cli.Tests.Commands;

/// <summary>
/// <c>autopack runs create --file</c> on files written to hurt it (issue 13): each is one line on stderr, a non-zero
/// exit and no rows, with the limits and the words of <c>POST /runs</c>.
/// </summary>
public sealed class PlanFileTests
{
    /// <summary>Only a guard against the hang being tested for, not a performance bound.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private CliHarness cli = null!;

    [SetUp]
    public async Task SetUp()
    {
        cli = new CliHarness(sample: false);
        await cli.RunOkAsync("db", "migrate");
    }

    [TearDown]
    public void TearDown() => cli.Dispose();

    private static string Plan(string goal) =>
        $$"""{ "goal": {{JsonSerializer.Serialize(goal)}}, "tiers": [ { "name": "t", "phases": [ { "phase_name": "p" } ] } ] }""";

    private async Task<CliResult> CreateAsync(string path)
    {
        var result = await cli.RunAsync("runs", "create", "--file", path).WaitAsync(HangGuard);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Output, Is.Empty);
            Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
            Assert.That(cli.RunTableCounts(), Is.EqualTo((0L, 0L, 0L, 0L)));
        });
        return result;
    }

    [Test]
    public async Task Create_ExternalBuilderOnOfflineProvider_OneLineNamingTheBuilder()
    {
        var path = cli.WriteFile("offline-builder.json", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "p", "builder": { "command": "aider" } } ] } ] }""");

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Does.StartWith("error: invalid plan: tiers[0].phases[0].builder: an external builder needs the phase's provider to be openai or anthropic"));
    }

    [Test]
    public async Task Create_BlankModelName_OneLineNamingTheModel()
    {
        var path = cli.WriteFile("blank-model.json", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "p", "models": ["small", " "] } ] } ] }""");

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Is.EqualTo("error: invalid plan: tiers[0].phases[0].models[1]: must not be empty"));
    }

    [Test]
    public async Task Create_TenMegabyteGoal_RefusedWithThePlanSizeLimit()
    {
        var path = cli.WriteFile("big.json", Plan(new string('g', 10_000_000)));

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Does.StartWith($"error: --file: {PlanParser.TooLargeReason}"));
    }

    [Test]
    public async Task Create_GoalOverFieldLimit_OneLineNamingGoal()
    {
        var path = cli.WriteFile("long-goal.json", Plan(new string('g', PlanLimits.MaxGoalLength + 1)));

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Is.EqualTo($"error: invalid plan: goal: is longer than {PlanLimits.MaxGoalLength} characters ({PlanLimits.MaxGoalLength + 1})"));
    }

    [Test]
    public async Task Create_LoneSurrogateGoal_OneLineNamingGoalWithoutStackTrace()
    {
        var path = cli.WriteFile("surrogate.json", """{ "goal": "\ud800", "tiers": [ { "name": "t", "phases": [ { "phase_name": "p" } ] } ] }""");

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Does.StartWith("error: invalid plan: goal: is not valid Unicode"));
    }

    [Test]
    public async Task Create_InvalidUtf8File_OneLineNamingTheDocument()
    {
        var path = Path.Combine(cli.WorkingDirectory, "latin1.json");
        await File.WriteAllBytesAsync(path, [.. "{ \"goal\": \"caf"u8, 0xE9, .. "\" }"u8]);

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Does.StartWith("error: invalid plan: $: not valid UTF-8"));
    }

    [Test]
    public async Task Create_DevZero_RefusedWithoutReadingIt()
    {
        var result = await CreateAsync("/dev/zero");

        Assert.That(result.ErrorLines[0], Is.EqualTo("error: --file: /dev/zero is empty or not a regular file (a device, pipe or socket)"));
    }

    [Test]
    public async Task Create_FifoWithoutWriter_RefusedWithoutWaitingForOne()
    {
        var fifo = Path.Combine(cli.WorkingDirectory, "plan.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo");
        }

        var result = await CreateAsync(fifo);

        Assert.That(result.ErrorLines[0], Does.Contain("not a regular file"));
    }

    [Test]
    public async Task Create_Folder_OneLineSayingItIsAFolder()
    {
        Directory.CreateDirectory(Path.Combine(cli.WorkingDirectory, "plans"));

        var result = await CreateAsync("plans");

        Assert.That(result.ErrorLines[0], Does.StartWith("error: --file: ").And.EndWith("plans is a folder, not a plan file"));
    }

    [Test]
    public async Task Create_EmptyFile_OneLineNamingTheFile()
    {
        var path = cli.WriteFile("empty.json", string.Empty);

        var result = await CreateAsync(path);

        Assert.That(result.ErrorLines[0], Does.StartWith("error: --file: ").And.Contain("is empty"));
    }

    [Test]
    public async Task Create_PlanOfExactlyTheLimit_IsReadWhole()
    {
        var plan = Plan("g");
        var path = cli.WriteFile("padded.json", plan + new string(' ', PlanLimits.MaxDocumentBytes - plan.Length));

        var result = await cli.RunAsync("runs", "create", "--file", path);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(cli.Count("runs"), Is.EqualTo(1));
    }
}
