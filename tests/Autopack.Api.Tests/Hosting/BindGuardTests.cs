using Autopack.Api.Hosting;
using Autopack.Domain.Settings;

namespace Autopack.Api.Tests.Hosting;

public sealed class BindGuardTests
{
    [TestCase("127.0.0.1")]
    [TestCase("127.10.20.30")]
    [TestCase("::1")]
    [TestCase("localhost")]
    [TestCase("::ffff:127.0.0.1")]
    public void Ensure_LoopbackAddress_IsAllowedWithoutFlagOrKey(string address) =>
        Assert.DoesNotThrow(() => BindGuard.Ensure(new ApiSettings { BindAddress = address }));

    [TestCase("0.0.0.0")]
    [TestCase("192.168.1.100")]
    [TestCase("::")]
    public void Ensure_NonLocalWithoutFlag_IsRefusedNamingTheFlag(string address)
    {
        var ex = Assert.Throws<SettingsException>(() => BindGuard.Ensure(new ApiSettings { BindAddress = address, ApiKey = "k" }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Setting, Is.EqualTo("AUTOPACK_ALLOW_NON_LOCAL"));
            Assert.That(ex.Message, Does.Contain(address));
        });
    }

    [Test]
    public void Ensure_Ipv4MappedNonLocalWithoutFlag_IsRefusedNamingTheIpv4Address()
    {
        var ex = Assert.Throws<SettingsException>(() => BindGuard.Ensure(new ApiSettings { BindAddress = "::ffff:10.0.0.1", ApiKey = "k" }));

        Assert.That(ex!.Message, Does.StartWith("AUTOPACK_ALLOW_NON_LOCAL: refusing to bind 10.0.0.1,"));
    }

    [Test]
    public void Ensure_NonLocalWithFlagButNoKey_IsRefusedNamingTheKey()
    {
        var ex = Assert.Throws<SettingsException>(() => BindGuard.Ensure(new ApiSettings { BindAddress = "0.0.0.0", AllowNonLocal = true }));

        Assert.That(ex!.Setting, Is.EqualTo("AUTOPACK_API_KEY"));
    }

    [Test]
    public void Ensure_NonLocalWithFlagAndKey_IsAllowed() =>
        Assert.DoesNotThrow(() => BindGuard.Ensure(new ApiSettings { BindAddress = "0.0.0.0", AllowNonLocal = true, ApiKey = "k" }));
}
