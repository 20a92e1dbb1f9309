namespace Autopack.Gateway;

/// <summary>
/// What one attempt's metered endpoint charges and where it forwards: the phase (and its run) every request is a
/// budgeted call of, the phase's provider (<c>openai</c> or <c>anthropic</c>), the model this attempt uses (the plan's
/// <c>models</c>, attempt N's; null: the provider's configured model), the executor that holds the run's lease, and
/// the role recorded on each usage row.
/// </summary>
public sealed record GatewayAttempt(string RunId, string PhaseId, string PhaseName, string Provider, string? Model, string OwnerId)
{
    /// <summary>The role on the usage rows (<c>llm_usage_events.role</c>).</summary>
    public string Role { get; init; } = "builder";
}
