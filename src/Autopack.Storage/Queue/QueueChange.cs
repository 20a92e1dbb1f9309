namespace Autopack.Storage.Queue;

/// <summary>
/// What an operator changes in the queue settings; null leaves a setting as it is. <see cref="ChangeLimit"/> says
/// whether <see cref="ExecutingLimit"/> is to be written (null then removes the global limit).
/// </summary>
public sealed record QueueChange(bool? Dispatch = null, QueueMode? Mode = null, bool ChangeLimit = false, int? ExecutingLimit = null)
{
    public bool IsEmpty => Dispatch is null && Mode is null && !ChangeLimit;

    /// <summary>Why <paramref name="limit"/> cannot be an executing_limit; null when it can.</summary>
    public static string? LimitProblem(long limit) => limit switch
    {
        < 1 => "must be at least 1 (to start nothing, pause the queue)",
        > QueueSettings.MaxExecutingLimit => $"must be at most {QueueSettings.MaxExecutingLimit}",
        _ => null,
    };

    /// <summary>The change in words, for the events trail and the CLI.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Dispatch is { } dispatch)
        {
            parts.Add(dispatch ? "dispatch on" : "dispatch off");
        }

        if (Mode is { } mode)
        {
            parts.Add($"mode {mode.ToName()}");
        }

        if (ChangeLimit)
        {
            parts.Add(ExecutingLimit is { } limit ? $"executing_limit {limit}" : "no executing_limit");
        }

        return string.Join(", ", parts);
    }
}
