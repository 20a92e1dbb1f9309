using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;

namespace Autopack.Executor.Tests.Support;

/// <summary>
/// A provider whose tokenizer disagrees with ours: it reports a prompt 20% smaller to 30% larger than we counted
/// and a completion of 0 to 150% of the granted max output, chosen by a seeded random. It counts the calls
/// whose report exceeds what the client reserved (counted prompt + granted max output).
/// </summary>
public sealed class MiscountingProvider(PromptTokenCounter counter, int seed) : ILlmProvider
{
    private readonly Random random = new(seed);
    private readonly Lock gate = new();
    private int calls;
    private int overReports;
    private int underReports;

    public string Name => "miscounting";

    public string Model => "miscounting-model-1";

    public int Calls => Volatile.Read(ref calls);

    public int OverReports => Volatile.Read(ref overReports);

    public int UnderReports => Volatile.Read(ref underReports);

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await Task.Yield(); // let other callers interleave between reserve and settle
        double promptFactor, completionFactor;
        lock (gate)
        {
            promptFactor = 0.8 + (random.NextDouble() * 0.5);
            completionFactor = random.NextDouble() * 1.5;
        }

        var counted = counter.CountRequest(request);
        var prompt = (long)Math.Round(counted * promptFactor);
        var completion = (long)Math.Round(request.MaxOutputTokens * completionFactor);
        var reserved = counted + request.MaxOutputTokens;
        Interlocked.Increment(ref calls);
        if (prompt + completion > reserved)
        {
            Interlocked.Increment(ref overReports);
        }
        else
        {
            Interlocked.Increment(ref underReports);
        }

        return LlmResponse.FromText("miscounted reply", prompt, completion, Model);
    }
}
