using System.Text;
using Autopack.Llm.Tokens;
using BenchmarkDotNet.Attributes;

namespace Autopack.Benchmarks;

/// <summary>Counting a realistic builder prompt (about 2,000 tokens of instructions, plan and code) before each call.</summary>
[MemoryDiagnoser]
public class PromptTokenCounterBenchmarks
{
    private const string SystemPrompt =
        "You are the builder of an autonomous build run. Do the phase's goal in the repository, keep changes small, " +
        "write tests for what you change, and report what you did as a short list of steps.";

    private readonly PromptTokenCounter counter = new();
    private string userPrompt = "";

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        text.AppendLine("Phase goal: add a /health endpoint to the sample service, returning the database state and the version.");
        text.AppendLine("Previous attempt was rejected: the failure path had no test; add one and keep the rest.");
        var line = 0;
        while (counter.CountPrompt(SystemPrompt, text.ToString()) < 2_000)
        {
            line++;
            text.AppendLine(line % 3 == 0
                ? $"    public async Task<IResult> GetHealth{line}(HealthChecks checks, CancellationToken ct) => TypedResults.Ok(await checks.RunAsync(ct));"
                : $"- Step {line}: read src/Service/Endpoint{line}.cs, compare it with the plan, and note the changes the verify command needs.");
        }

        userPrompt = text.ToString();
        Console.WriteLine($"// prompt: {userPrompt.Length} chars, {counter.CountPrompt(SystemPrompt, userPrompt)} tokens");
    }

    [Benchmark(Description = "CountPrompt, ~2k-token prompt")]
    public int CountPrompt() => counter.CountPrompt(SystemPrompt, userPrompt);
}
