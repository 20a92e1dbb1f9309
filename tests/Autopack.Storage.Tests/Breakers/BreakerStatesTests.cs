using Autopack.Storage.Breakers;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Breakers;

public class BreakerStatesTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private BreakerStates breakers = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        breakers = new BreakerStates(db.Database, time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task PublishAsync_NewThenUpdated_ListShowsLatestStateByName()
    {
        await breakers.PublishAsync("openai", "closed", 0, null, "exec-1");
        await breakers.PublishAsync("anthropic", "closed", 0, null, "exec-1");
        time.Advance(TimeSpan.FromSeconds(7));
        var openedAt = time.GetUtcNow().UtcDateTime;
        await breakers.PublishAsync("openai", "open", 5, openedAt, "exec-2");

        var list = await breakers.ListAsync();

        Assert.That(list.Select(b => b.Name), Is.EqualTo(new[] { "anthropic", "openai" }));
        var openai = list[1];
        Assert.Multiple(() =>
        {
            Assert.That(openai.State, Is.EqualTo("open"));
            Assert.That(openai.FailureCount, Is.EqualTo(5));
            Assert.That(openai.OpenedAt, Is.EqualTo(openedAt));
            Assert.That(openai.UpdatedAt, Is.EqualTo(openedAt));
            Assert.That(openai.ReportedBy, Is.EqualTo("exec-2"));
            Assert.That(openai.ResetRequestedAt, Is.Null);
            Assert.That(list[0].State, Is.EqualTo("closed"));
        });
    }

    [Test]
    public async Task RequestResetAsync_OneBreaker_IsVisibleToEveryExecutorWithItsTime()
    {
        await breakers.PublishAsync("openai", "open", 5, time.GetUtcNow().UtcDateTime, "exec-1");
        await breakers.PublishAsync("anthropic", "open", 5, time.GetUtcNow().UtcDateTime, "exec-1");

        var marked = await breakers.RequestResetAsync("openai");

        Assert.That(marked, Is.EqualTo(1));
        var requests = await breakers.ResetRequestsAsync();
        Assert.That(requests.Select(r => r.Name), Is.EqualTo(new[] { "openai" }));
        Assert.That(requests[0].RequestedAt, Is.EqualTo(time.GetUtcNow().UtcDateTime));
        Assert.That((await breakers.ResetRequestsAsync()).Select(r => r.Name), Is.EqualTo(new[] { "openai" }), "not consumed: a second executor sees it too");
        Assert.That(Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'breaker_reset_requested'"), Is.EqualTo(new[] { "reset requested for openai" }));
    }

    [Test]
    public async Task RequestResetAsync_All_MarksEveryBreaker()
    {
        await breakers.PublishAsync("openai", "open", 5, null, "exec-1");
        await breakers.PublishAsync("anthropic", "half-open", 1, null, "exec-1");
        await breakers.PublishAsync("offline", "closed", 0, null, "exec-1");

        var marked = await breakers.RequestResetAsync(null);

        Assert.That(marked, Is.EqualTo(3));
        Assert.That((await breakers.ResetRequestsAsync()).Select(r => r.Name), Is.EquivalentTo(new[] { "openai", "anthropic", "offline" }));
        Assert.That((await breakers.ListAsync()).Select(b => b.ResetRequestedAt), Is.All.Not.Null);
    }

    [Test]
    public async Task RequestResetAsync_UnknownBreaker_MarksNothing()
    {
        await breakers.PublishAsync("openai", "open", 5, null, "exec-1");

        Assert.That(await breakers.RequestResetAsync("nope"), Is.Zero);
        Assert.That(await breakers.ResetRequestsAsync(), Is.Empty);
    }
}
