namespace Autopack.Api.Dashboard;

/// <summary>A row of the <c>events</c> audit trail as the dashboard lists it.</summary>
public sealed record EventView(long Id, string? RunId, string? PhaseId, string Kind, string Message, DateTime CreatedAt);
