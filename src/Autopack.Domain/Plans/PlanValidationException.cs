namespace Autopack.Domain.Plans;

/// <summary>A plan was refused. <see cref="Field"/> is the JSON path of the offending field, e.g. <c>tiers[0].phases[1].token_cap</c>.</summary>
public sealed class PlanValidationException(string field, string reason)
    : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
