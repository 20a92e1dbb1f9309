namespace Autopack.Storage.Runtime;

/// <summary>Where a stored control request came from (the <c>source</c> column of <c>control_requests</c>).</summary>
public enum ControlSource
{
    Cli,
    Api,

    /// <summary>An operator's echo into a control file, stored by the executor that handled it.</summary>
    File,
}
