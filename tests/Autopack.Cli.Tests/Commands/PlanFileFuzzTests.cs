using Autopack.Domain.Plans;
using Autopack.Testing;

namespace Autopack.Cli.Tests.Commands;

/// <summary>
/// <c>autopack runs create --file</c> under the same seeded hostile inputs as POST /runs' fuzz test: each refused one
/// is exactly one stderr line with the parser's words (what the API's <c>detail</c> says), a non-zero exit, no stack
/// trace, no hang and no new row. Replay a failure with <c>FUZZ_SEED=&lt;seed&gt;</c>.
/// </summary>
public sealed class PlanFileFuzzTests
{
    private const int Count = 1000;

    /// <summary>Only a guard against a hang, not a performance bound.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Create_GeneratedHostileFiles_EachOneLineWithTheParsersWordsAndNothingWritten()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 13_2026;
        await TestContext.Out.WriteLineAsync($"runs create --file fuzz: seed {seed}, {Count} inputs");
        using var cli = new CliHarness(sample: false);
        await cli.RunOkAsync("db", "migrate");
        var path = Path.Combine(cli.WorkingDirectory, "fuzz.json");
        var created = 0;

        foreach (var input in new HostileInputs(seed).Generate(Count))
        {
            var before = cli.RunTableCounts();
            await File.WriteAllBytesAsync(path, input.Bytes);

            var result = await cli.RunAsync("runs", "create", "--file", path).WaitAsync(HangGuard);

            if (result.ExitCode == 0)
            {
                Assert.That(input.ParserRefusal(), Is.Null, $"seed {seed}, {input}: created though the parser refuses it");
                created++;
                continue;
            }

            var expected = input.Bytes.Length switch
            {
                0 => $"error: --file: {path} is empty or not a regular file (a device, pipe or socket)",
                > PlanLimits.MaxDocumentBytes => $"error: --file: {PlanParser.TooLargeReason} (the limit POST /runs puts on a plan)",
                _ => input.ParserRefusal() is { } refusal ? $"error: invalid plan: {refusal.Message}" : null,
            };
            Assert.Multiple(() =>
            {
                Assert.That(result.ErrorLines, Has.Length.EqualTo(1), $"seed {seed}, {input}: {result}");
                Assert.That(result.Output, Is.Empty, $"seed {seed}, {input}");
                Assert.That(cli.RunTableCounts(), Is.EqualTo(before), $"seed {seed}, {input}: a refused file wrote rows");
                if (expected is not null)
                {
                    Assert.That(result.ErrorLines[0], Is.EqualTo(expected), $"seed {seed}, {input}");
                }
            });
        }

        await TestContext.Out.WriteLineAsync($"refused {Count - created}, created {created}");
    }
}
