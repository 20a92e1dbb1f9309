using Autopack.Domain.Settings;
using Autopack.Testing;

namespace Autopack.Domain.Tests.Settings;

public sealed class PublishedLayoutTests
{
    [Test]
    public void ExecutorProgram_TheManagedProgramBesideANativeFront_IsTheFront()
    {
        using var folder = new TempDirectory();
        var managed = folder.Write(PublishedLayout.Managed, "managed");
        var front = folder.Write(PublishedLayout.Front, "front");

        Assert.That(PublishedLayout.ExecutorProgram(managed), Is.EqualTo(front));
    }

    [Test]
    public void ExecutorProgram_TheManagedProgramWithNoFrontBesideIt_IsItself()
    {
        using var folder = new TempDirectory();
        var managed = folder.Write(PublishedLayout.Managed, "managed");

        Assert.That(PublishedLayout.ExecutorProgram(managed), Is.EqualTo(managed));
    }

    [TestCase("autopack")]
    [TestCase("dotnet")]
    public void ExecutorProgram_AnyOtherProgram_IsItself(string name)
    {
        using var folder = new TempDirectory();
        folder.Write(PublishedLayout.Managed, "managed");
        var program = folder.Write(name, "program");

        Assert.That(PublishedLayout.ExecutorProgram(program), Is.EqualTo(program));
    }

    [Test]
    public void HoldsFront_OnlyAFolderWithTheManagedProgram()
    {
        using var folder = new TempDirectory();
        folder.Write(PublishedLayout.Front, "the managed program alone");
        var alone = PublishedLayout.HoldsFront(folder.Path);

        folder.Write(PublishedLayout.Managed, "managed");

        Assert.That((alone, PublishedLayout.HoldsFront(folder.Path)), Is.EqualTo((false, true)));
    }
}
