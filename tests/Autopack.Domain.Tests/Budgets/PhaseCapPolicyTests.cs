using Autopack.Domain.Budgets;

namespace Autopack.Domain.Tests.Budgets;

public class PhaseCapPolicyTests
{
    private static readonly PhaseCapPolicy Defaults = new(500_000, PhaseCapPolicy.DefaultMultipliers);

    [TestCase("research", 750_000)]
    [TestCase("implementation", 500_000)]
    [TestCase("verification", 250_000)]
    [TestCase("audit", 150_000)]
    public void CapFor_KnownCategory_AppliesSpecMultiplier(string category, long expected) =>
        Assert.That(Defaults.CapFor(category, null), Is.EqualTo(expected));

    [TestCase(null)]
    [TestCase("deployment")]
    [TestCase("Research")]
    public void CapFor_NoOrUnknownCategory_MultiplierIsOne(string? category) =>
        Assert.That(Defaults.CapFor(category, null), Is.EqualTo(500_000));

    [TestCase("research")]
    [TestCase("audit")]
    [TestCase(null)]
    public void CapFor_ExplicitCap_WinsOverCategory(string? category) =>
        Assert.That(Defaults.CapFor(category, 12_345), Is.EqualTo(12_345));

    [Test]
    public void CapFor_CustomDefaultAndMultipliers_UsesThem()
    {
        var policy = new PhaseCapPolicy(1_000, new Dictionary<string, double> { ["research"] = 2.5, ["audit"] = 0.1 });

        Assert.Multiple(() =>
        {
            Assert.That(policy.CapFor("research", null), Is.EqualTo(2_500));
            Assert.That(policy.CapFor("audit", null), Is.EqualTo(100));
            Assert.That(policy.CapFor("implementation", null), Is.EqualTo(1_000));
        });
    }

    [Test]
    public void DefaultMultipliers_AreTheSpecDefaults() =>
        Assert.That(
            PhaseCapPolicy.DefaultMultipliers,
            Is.EquivalentTo(new Dictionary<string, double> { ["research"] = 1.5, ["implementation"] = 1.0, ["verification"] = 0.5, ["audit"] = 0.3 }));
}
