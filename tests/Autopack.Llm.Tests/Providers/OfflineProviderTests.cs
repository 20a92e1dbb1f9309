using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Llm.Tests.Providers;

public sealed class OfflineProviderTests
{
    private const string Goal = "Create the project skeleton\nAdd a health endpoint\nWrite its tests";

    private readonly PromptTokenCounter counter = PromptTokenCounter.OfflineModel;

    [Test]
    public async Task CompleteAsync_SamePromptTwice_GivesSameReplyAndCounts()
    {
        var first = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), CancellationToken.None);
        var second = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), CancellationToken.None);

        Assert.That((second.Text, second.PromptTokens, second.CompletionTokens, second.Model), Is.EqualTo((first.Text, first.PromptTokens, first.CompletionTokens, first.Model)));
    }

    [Test]
    public async Task CompleteAsync_DifferentPrompts_GiveDifferentReplies()
    {
        var provider = NewProvider();

        var first = await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), CancellationToken.None);
        var second = await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal + "\nAnd a readme", 512), CancellationToken.None);

        Assert.That(second.Text, Is.Not.EqualTo(first.Text));
    }

    [Test]
    public async Task CompleteAsync_Builder_ReportsUsageCountedByTheOfflineModelsCounter()
    {
        var response = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.PromptTokens, Is.EqualTo(counter.CountPrompt("You build.", Goal)));
            Assert.That(response.CompletionTokens, Is.EqualTo(counter.Count(response.Text)).And.GreaterThan(0));
            Assert.That(response.Text, Does.Contain("considered: Add a health endpoint"));
            Assert.That(response.Model, Is.EqualTo("offline-deterministic-1"));
        });
    }

    [Test]
    public async Task CompleteAsync_Auditor_ApprovesByDefault()
    {
        var response = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("auditor", "You review.", "the builder's output", 512), CancellationToken.None);

        Assert.That(response.Text, Does.Match("^APPROVED\\b"));
    }

    [Test]
    public async Task CompleteAsync_AuditorToldToReject_RepliesWithARejection()
    {
        var response = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("auditor", "You review.", "the builder's output", 512, offlineReject: true), CancellationToken.None);

        Assert.That(response.Text, Does.StartWith("REJECTED"));
    }

    [TestCase(5)]
    [TestCase(12)]
    [TestCase(30)]
    public async Task CompleteAsync_SmallMaxOutputTokens_KeepsTheReplyWithinIt(int maxOutputTokens)
    {
        var full = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 4096), CancellationToken.None);
        Assume.That(full.CompletionTokens, Is.GreaterThan(maxOutputTokens), "the untruncated reply must be longer than the limit under test");

        var response = await NewProvider().CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, maxOutputTokens), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.CompletionTokens, Is.LessThanOrEqualTo(maxOutputTokens));
            Assert.That(counter.Count(response.Text), Is.LessThanOrEqualTo(maxOutputTokens));
            Assert.That(full.Text, Does.StartWith(response.Text.TrimEnd()));
        });
    }

    [Test]
    public async Task CompleteAsync_CancelledDuringSimulatedLatency_ThrowsAtOnce()
    {
        var time = new FakeTimeProvider();
        var provider = NewProvider(TimeSpan.FromSeconds(30), time);
        using var cts = new CancellationTokenSource();
        var call = provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), cts.Token);
        Assert.That(call.IsCompleted, Is.False, "the simulated latency is running (its clock has not moved)");

        await cts.CancelAsync();

        // The clock never moves, so only the cancellation can end the call; the guard turns a hang into a failure.
        Assert.That(async () => await call.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task CompleteAsync_WithLatency_TakesAtLeastThatLong()
    {
        var time = new FakeTimeProvider();
        var provider = NewProvider(TimeSpan.FromMilliseconds(150), time);

        var call = provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You build.", Goal, 512), CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(149));
        var earlyAnswer = call.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(1));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(earlyAnswer, Is.False, "no answer before the latency has passed on its clock");
        Assert.That(response.Text, Is.Not.Empty, "and an answer once it has");
    }

    private OfflineProvider NewProvider(TimeSpan latency = default, TimeProvider? time = null) => new(counter, latency, time ?? TimeProvider.System);
}
