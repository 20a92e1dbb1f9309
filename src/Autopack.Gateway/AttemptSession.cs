using System.Security.Cryptography;
using System.Text;
using Autopack.Llm.Relay;

namespace Autopack.Gateway;

/// <summary>
/// One attempt as the endpoint serves it: its key (an id to find it by and a secret compared in constant time), the
/// API it speaks, and its requests in flight. <see cref="BeginStop"/> turns the key off for new requests and
/// <see cref="DrainAsync"/> cancels those in flight (each then settles or releases its reservation) and waits until
/// the last has, so nothing of the attempt stays reserved once it returns.
/// </summary>
internal sealed class AttemptSession : IDisposable
{
    public const string KeyPrefix = "apk-";

    private readonly byte[] secret;
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();
    private int inFlight;
    private bool stopped;
    private int requests;
    private int refused;
    private long tokens;

    public AttemptSession(GatewayAttempt target, WireApi api, string model)
    {
        Target = target;
        Api = api;
        Model = model;
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        secret = Encoding.ASCII.GetBytes(Base64Url(RandomNumberGenerator.GetBytes(32)));
        Key = KeyPrefix + Id + "-" + Encoding.ASCII.GetString(secret);
    }

    public string Id { get; }

    /// <summary><c>apk-&lt;id&gt;-&lt;secret&gt;</c>: what the agent sends as its API key.</summary>
    public string Key { get; }

    public GatewayAttempt Target { get; }

    public WireApi Api { get; }

    /// <summary>The model every request is forwarded with.</summary>
    public string Model { get; }

    /// <summary>Cancelled when the attempt stops: requests in flight end.</summary>
    public CancellationToken Stopping => stopping.Token;

    public AttemptUsage Usage => new(Volatile.Read(ref requests), Volatile.Read(ref refused), Interlocked.Read(ref tokens));

    /// <summary>The id part of a presented key, or null when it is not shaped like one.</summary>
    public static string? IdOf(string? presented)
    {
        if (presented is null || !presented.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var dash = presented.IndexOf('-', KeyPrefix.Length);
        return dash > KeyPrefix.Length ? presented[KeyPrefix.Length..dash] : null;
    }

    /// <summary>True when <paramref name="presented"/> is this attempt's key; its secret compared in constant time.</summary>
    public bool Accepts(string presented)
    {
        var prefix = KeyPrefix + Id + "-";
        if (!presented.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented[prefix.Length..]), secret);
    }

    /// <summary>Counts a request in, or false when the attempt has stopped (its key no longer works).</summary>
    public bool TryEnter()
    {
        lock (gate)
        {
            if (stopped)
            {
                return false;
            }

            inFlight++;
            Interlocked.Increment(ref requests);
            return true;
        }
    }

    public void Exit()
    {
        lock (gate)
        {
            inFlight--;
            if (stopped && inFlight == 0)
            {
                drained.TrySetResult();
            }
        }
    }

    public void Refused() => Interlocked.Increment(ref refused);

    public void Charged(long charged) => Interlocked.Add(ref tokens, charged);

    /// <summary>Lets no new request in; false when the attempt was stopped already (the caller then has nothing to do).</summary>
    public bool BeginStop()
    {
        lock (gate)
        {
            if (stopped)
            {
                return false;
            }

            stopped = true;
            if (inFlight == 0)
            {
                drained.TrySetResult();
            }

            return true;
        }
    }

    /// <summary>After <see cref="BeginStop"/>: cancels the requests in flight and waits until each has ended.</summary>
    /// <exception cref="TimeoutException">some were still in flight after <paramref name="wait"/>.</exception>
    public async Task DrainAsync(TimeSpan wait)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await drained.Task.WaitAsync(wait).ConfigureAwait(false);
    }

    public void Dispose() => stopping.Dispose();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
