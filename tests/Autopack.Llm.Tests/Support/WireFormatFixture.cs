namespace Autopack.Llm.Tests.Support;

/// <summary>
/// A fixture run once per wire format (<c>[TestFixtureSource(typeof(WireFormat), nameof(WireFormat.All))]</c>): a
/// fresh scripted server per test and a client pointed at it as production points it.
/// </summary>
public abstract class WireFormatFixture(WireFormat format)
{
    protected WireFormat Format { get; } = format;

    protected ScriptedProviderServer Server { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    [SetUp]
    public async Task StartServer()
    {
        Server = await ScriptedProviderServer.StartAsync();
        Client = Format.CreateClient(Server);
    }

    [TearDown]
    public async Task StopServer()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
