namespace Autopack.Api.Queue;

/// <summary>The body of POST /admin/mode, for the OpenAPI document: <c>NORMAL</c> or <c>DRAINING</c>.</summary>
public sealed record ModeDocument(string Mode);
