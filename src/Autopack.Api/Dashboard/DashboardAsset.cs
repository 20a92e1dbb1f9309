namespace Autopack.Api.Dashboard;

/// <summary>One file of the dashboard as embedded in the Api assembly: its bytes, media type and strong ETag.</summary>
public sealed record DashboardAsset(string Name, string ContentType, ReadOnlyMemory<byte> Content, string ETag);
