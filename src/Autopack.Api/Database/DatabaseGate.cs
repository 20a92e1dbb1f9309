namespace Autopack.Api.Database;

/// <summary>
/// Stands in front of the data endpoints: while the database is missing or not migrated they answer 503
/// problem details saying what to do, instead of failing on a missing table (or creating an empty file).
/// A positive answer is remembered for a few seconds so the check costs nothing per request.
/// </summary>
public sealed class DatabaseGate(DatabaseProbe probe, TimeProvider time)
{
    private static readonly TimeSpan RememberReady = TimeSpan.FromSeconds(5);

    private long readySince;

    /// <summary>Null when the database is ready; otherwise why it is not.</summary>
    public async ValueTask<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        var since = Interlocked.Read(ref readySince);
        if (since != 0 && time.GetElapsedTime(since) < RememberReady)
        {
            return null;
        }

        var status = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        if (status.Migrated)
        {
            Interlocked.Exchange(ref readySince, time.GetTimestamp());
            return null;
        }

        Interlocked.Exchange(ref readySince, 0);
        return status.Problem;
    }
}
