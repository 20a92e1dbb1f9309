namespace Autopack.Api.Dashboard;

/// <summary>Events newest first; <see cref="More"/> says whether older ones exist (ask again with <c>before</c> = the last id).</summary>
public sealed record EventPageView(IReadOnlyList<EventView> Events, bool More);
