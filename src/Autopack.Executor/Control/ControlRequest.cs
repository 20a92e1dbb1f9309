namespace Autopack.Executor.Control;

/// <summary>What the operator asked the run to do, if anything.</summary>
public enum ControlRequest
{
    None,
    Stop,
    Abort,
}
