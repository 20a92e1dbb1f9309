using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>A page of GET /runs, newest first; <see cref="Total"/> counts every run matching the filter.</summary>
public sealed record RunListView(IReadOnlyList<RunSummary> Runs, long Total, int Limit, int Offset, string? Status);
