using System.Net;
using Autopack.Api.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.RateLimiting;

public sealed class ClientPartitionsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Test]
    public void KeyFor_MoreClientsThanTheCap_TracksAtMostTheCapAndOverflowsTheRest()
    {
        var partitions = new ClientPartitions(3, Window, new FakeTimeProvider());

        var keys = Enumerable.Range(1, 10).Select(i => partitions.KeyFor(IPAddress.Parse($"10.0.0.{i}"))).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(partitions.TrackedClients, Is.EqualTo(3));
            Assert.That(keys.Take(3), Is.EqualTo(new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" }));
            Assert.That(keys.Skip(3), Is.All.EqualTo(ClientPartitions.OverflowKey));
            Assert.That(partitions.OverflowRequests, Is.EqualTo(7));
        });
    }

    [Test]
    public void KeyFor_TableFullOfBusyClients_NeverEvictsThem()
    {
        var time = new FakeTimeProvider();
        var partitions = new ClientPartitions(2, Window, time);
        partitions.KeyFor(IPAddress.Parse("10.0.0.1"));
        partitions.KeyFor(IPAddress.Parse("10.0.0.2"));
        time.Advance(TimeSpan.FromSeconds(30));

        var newcomer = partitions.KeyFor(IPAddress.Parse("10.0.0.3"));
        var known = partitions.KeyFor(IPAddress.Parse("10.0.0.1"));

        Assert.Multiple(() =>
        {
            Assert.That(newcomer, Is.EqualTo(ClientPartitions.OverflowKey));
            Assert.That(known, Is.EqualTo("10.0.0.1"), "a busy client keeps its own partition (and its count)");
        });
    }

    [Test]
    public void KeyFor_ClientsIdleForAWindow_AreForgottenToMakeRoom()
    {
        var time = new FakeTimeProvider();
        var partitions = new ClientPartitions(2, Window, time);
        partitions.KeyFor(IPAddress.Parse("10.0.0.1"));
        partitions.KeyFor(IPAddress.Parse("10.0.0.2"));
        time.Advance(Window);

        var newcomer = partitions.KeyFor(IPAddress.Parse("10.0.0.3"));

        Assert.Multiple(() =>
        {
            Assert.That(newcomer, Is.EqualTo("10.0.0.3"));
            Assert.That(partitions.TrackedClients, Is.EqualTo(1));
        });
    }

    [Test]
    public void KeyFor_Ipv4MappedAndMissingAddresses_AreNormalised()
    {
        var partitions = new ClientPartitions(10, Window, new FakeTimeProvider());

        Assert.Multiple(() =>
        {
            Assert.That(partitions.KeyFor(IPAddress.Parse("::ffff:10.0.0.9")), Is.EqualTo("10.0.0.9"));
            Assert.That(partitions.KeyFor(null), Is.EqualTo(ClientPartitions.UnknownKey));
        });
    }
}
