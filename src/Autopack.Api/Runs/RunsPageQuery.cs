using Autopack.Api.Hosting;
using Autopack.Domain.Runs;

namespace Autopack.Api.Runs;

/// <summary>The query of a page of runs (status, limit, offset), read the same way by GET /runs and the dashboard.</summary>
public sealed record RunsPageQuery(RunStatus? Status, int Limit, int Offset)
{
    /// <summary>The query, or null with <paramref name="errors"/> naming each bad parameter.</summary>
    public static RunsPageQuery? Parse(string? status, string? limit, string? offset, int defaultLimit, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        RunStatus? filter = null;
        if (status is not null)
        {
            if (StatusNames.TryParseRun(status.Trim().ToUpperInvariant(), out var parsed))
            {
                filter = parsed;
            }
            else
            {
                errors["status"] = [$"'{status}' is not a run status ({string.Join(", ", StatusNames.AllRunNames)})"];
            }
        }

        var limitValue = (int)(QueryNumber.Parse(limit, "limit", 1, RunsApi.MaxLimit, errors) ?? defaultLimit);
        var offsetValue = (int)(QueryNumber.Parse(offset, "offset", 0, int.MaxValue, errors) ?? 0);
        return errors.Count > 0 ? null : new RunsPageQuery(filter, limitValue, offsetValue);
    }
}
