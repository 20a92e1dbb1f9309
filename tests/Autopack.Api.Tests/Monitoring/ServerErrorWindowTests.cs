using Autopack.Api.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Monitoring;

public sealed class ServerErrorWindowTests
{
    [Test]
    public void CountRecent_ErrorsInsideTenMinutes_AreCounted()
    {
        var time = new FakeTimeProvider();
        var window = new ServerErrorWindow(time);

        for (var i = 0; i < 6; i++)
        {
            window.Record();
            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.That(window.CountRecent(), Is.EqualTo(6));
    }

    [Test]
    public void CountRecent_ErrorsOlderThanTenMinutes_SlideOut()
    {
        var time = new FakeTimeProvider();
        var window = new ServerErrorWindow(time);
        window.Record();
        window.Record();
        time.Advance(TimeSpan.FromMinutes(6));
        window.Record();

        time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1));

        Assert.That(window.CountRecent(), Is.EqualTo(1));
    }

    [Test]
    public void Record_SameBucketSecondAWindowLater_StartsTheBucketAfresh()
    {
        var time = new FakeTimeProvider();
        var window = new ServerErrorWindow(time);
        window.Record();
        time.Advance(ServerErrorWindow.Span);

        window.Record();

        Assert.That(window.CountRecent(), Is.EqualTo(1));
    }
}
