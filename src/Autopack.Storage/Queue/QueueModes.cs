namespace Autopack.Storage.Queue;

/// <summary>The names of <see cref="QueueMode"/> as stored in <c>queue_settings.mode</c> and shown in JSON and the CLI.</summary>
public static class QueueModes
{
    public const string NormalName = "NORMAL";
    public const string DrainingName = "DRAINING";

    public static IReadOnlyList<string> Names { get; } = [NormalName, DrainingName];

    public static string ToName(this QueueMode mode) => mode == QueueMode.Draining ? DrainingName : NormalName;

    /// <summary>Parses a stored or requested mode name (exact, upper case).</summary>
    public static bool TryParse(string? name, out QueueMode mode)
    {
        (var known, mode) = name switch
        {
            NormalName => (true, QueueMode.Normal),
            DrainingName => (true, QueueMode.Draining),
            _ => (false, QueueMode.Normal),
        };
        return known;
    }
}
