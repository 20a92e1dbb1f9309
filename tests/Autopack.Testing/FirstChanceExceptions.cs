using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Autopack.Testing;

/// <summary>
/// Records, while it lives, the first-chance exceptions (process-wide, caught or not) that <c>filter</c> accepts. The
/// filter runs at the throw, so it can look at the thrower's stack with <c>new StackTrace()</c>.
/// </summary>
public sealed class FirstChanceExceptions : IDisposable
{
    private readonly Func<Exception, bool> filter;
    private readonly ConcurrentQueue<Exception> thrown = new();

    public FirstChanceExceptions(Func<Exception, bool> filter)
    {
        this.filter = filter;
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
    }

    public IReadOnlyList<Exception> Thrown => [.. thrown];

    /// <summary>Records the cancellations whose stack trace names any of <paramref name="frames"/> (a type or method).</summary>
    public static FirstChanceExceptions Cancellations(params string[] frames) =>
        new(e => e is OperationCanceledException && frames.Any(f => (e.StackTrace ?? string.Empty).Contains(f, StringComparison.Ordinal)));

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;

    private void OnFirstChance(object? sender, FirstChanceExceptionEventArgs e)
    {
        if (filter(e.Exception))
        {
            thrown.Enqueue(e.Exception);
        }
    }
}
