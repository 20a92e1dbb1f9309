using Autopack.Storage.Runtime;

namespace Autopack.Api.Control;

/// <summary>A control request as sent: what storing it gave, and the control file written (none when it was refused or took effect at once).</summary>
public sealed record SentControlRequest(ControlRequestResult Request, string? FilePath);
