using Autopack.Testing;

namespace Autopack.Api.Tests.Support;

/// <summary>How many rows each table a request could write holds; equal before and after a refused request.</summary>
public sealed record RowCounts(long Runs, long Tiers, long Phases, long Events, long Usage, long Breakers)
{
    public static RowCounts Of(TestDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return new RowCounts(
            db.Scalar("SELECT count(*) FROM runs"),
            db.Scalar("SELECT count(*) FROM tiers"),
            db.Scalar("SELECT count(*) FROM phases"),
            db.Scalar("SELECT count(*) FROM events"),
            db.Scalar("SELECT count(*) FROM llm_usage_events"),
            db.Scalar("SELECT count(*) FROM circuit_breakers"));
    }
}
