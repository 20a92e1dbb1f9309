using Autopack.Storage.Database;

namespace Autopack.Storage.Runs;

/// <summary>Aggregates over <c>llm_usage_events</c>, served by its indexes (no rows are loaded into memory).</summary>
public sealed class UsageQueries(AutopackDatabase database)
{
    public async Task<RunUsage> GetRunUsageAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long runCap;
        await using (var cap = connection.CreateCommand())
        {
            cap.CommandText = "SELECT token_cap FROM runs WHERE run_id = @r";
            cap.Parameters.Add(Parameter(cap, "@r", runId));
            runCap = await cap.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } c and not DBNull ? Convert.ToInt64(c, System.Globalization.CultureInfo.InvariantCulture) : throw new NotFoundException("run", runId);
        }

        var phases = new List<PhaseUsage>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT p.phase_id, p.phase_name, p.token_cap,
                       coalesce(u.prompt, 0), coalesce(u.completion, 0), coalesce(u.calls, 0)
                FROM phases p
                LEFT JOIN (SELECT phase_id, CAST(sum(prompt_tokens) AS BIGINT) AS prompt, CAST(sum(completion_tokens) AS BIGINT) AS completion, count(*) AS calls
                           FROM llm_usage_events WHERE run_id = @r GROUP BY phase_id) u ON u.phase_id = p.phase_id
                WHERE p.run_id = @r
                ORDER BY p.position
                """;
            command.Parameters.Add(Parameter(command, "@r", runId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                phases.Add(new PhaseUsage(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }

        // One pass over the covering index (run_id, provider, model, tokens) gives both groupings.
        var pairs = new List<(string Provider, string Model, long Prompt, long Completion, long Calls)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT provider, model, CAST(sum(prompt_tokens) AS BIGINT), CAST(sum(completion_tokens) AS BIGINT), count(*) FROM llm_usage_events WHERE run_id = @r GROUP BY provider, model";
            command.Parameters.Add(Parameter(command, "@r", runId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                pairs.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        var providers = Group(pairs, p => p.Provider);
        var models = Group(pairs, p => p.Model);
        return new RunUsage(
            runId,
            runCap,
            phases.Sum(p => p.PromptTokens),
            phases.Sum(p => p.CompletionTokens),
            phases.Sum(p => p.Calls),
            phases,
            providers,
            models);
    }

    /// <summary>Tokens used per minute bucket across all runs (or one), for the dashboard's chart.</summary>
    public async Task<IReadOnlyList<(string Minute, long Tokens)>> TokensOverTimeAsync(string? runId, int minutes, DateTime sinceUtc, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null,
            $"""
            SELECT substr(created_at, 1, 16) AS minute, CAST(sum(prompt_tokens + completion_tokens) AS BIGINT)
            FROM llm_usage_events
            WHERE created_at >= @since{(runId is null ? string.Empty : " AND run_id = @r")}
            GROUP BY substr(created_at, 1, 16) ORDER BY minute LIMIT @n
            """,
            ("@since", DbTime.ToText(sinceUtc)),
            ("@r", runId),
            ("@n", minutes));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var points = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            points.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return points;
    }

    private static System.Data.Common.DbParameter Parameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }

    private static List<GroupUsage> Group(
        List<(string Provider, string Model, long Prompt, long Completion, long Calls)> pairs,
        Func<(string Provider, string Model, long Prompt, long Completion, long Calls), string> key) =>
        pairs.GroupBy(key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupUsage(g.Key, g.Sum(p => p.Prompt), g.Sum(p => p.Completion), g.Sum(p => p.Calls)))
            .ToList();
}
