namespace Autopack.Domain.Runs;

/// <summary>Thrown when code asks for a state change the state machine does not allow.</summary>
public sealed class IllegalTransitionException(string subject, string from, string to)
    : InvalidOperationException($"{subject}: illegal transition {from} -> {to}")
{
    public string From { get; } = from;

    public string To { get; } = to;
}
