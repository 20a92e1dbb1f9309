namespace Autopack.Api.Queue;

/// <summary>The body of PATCH /queue, for the OpenAPI document (the handler reads it strictly with <see cref="QueueRequests"/>).</summary>
public sealed record QueuePatchDocument(bool? Dispatch, int? ExecutingLimit);
