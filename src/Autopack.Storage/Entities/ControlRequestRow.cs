namespace Autopack.Storage.Entities;

/// <summary>
/// A row of <c>control_requests</c>: a stop, abort or timeout asked for a run (a timeout names its phase), where it
/// came from (<c>cli</c>, <c>api</c>, <c>file</c>), and once handled when, by whom and with what effect.
/// </summary>
public sealed class ControlRequestRow
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public string? PhaseId { get; set; }

    /// <summary><c>stop</c>, <c>abort</c> or <c>timeout</c> (the control file's word).</summary>
    public required string Kind { get; set; }

    /// <summary><c>cli</c>, <c>api</c> or <c>file</c> (an operator's echo, recorded when an executor handled it).</summary>
    public required string Source { get; set; }

    public DateTime RequestedAt { get; set; }

    public DateTime? HandledAt { get; set; }

    public string? HandledBy { get; set; }

    public string? Outcome { get; set; }
}
