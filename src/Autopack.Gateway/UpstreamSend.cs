namespace Autopack.Gateway;

/// <summary>One request's send to the provider: whether its body went out whole (then the provider may bill it, whatever follows).</summary>
internal sealed class UpstreamSend
{
    private volatile bool sent;

    public bool Sent
    {
        get => sent;
        set => sent = value;
    }
}
