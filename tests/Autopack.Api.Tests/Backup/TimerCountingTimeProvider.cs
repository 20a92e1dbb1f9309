using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Backup;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers created on it, so a test can wait until a service is
/// waiting on the clock (its Task.Delay made a timer) before advancing it.
/// </summary>
internal sealed class TimerCountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int created;

    public int TimersCreated => Volatile.Read(ref created);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref created);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
