using Autopack.Domain.Plans;

namespace Autopack.Api.Runs;

/// <summary>A phase's external builder: its command and the timeout it runs under (the default when the plan gave none).</summary>
public sealed record BuilderView(string Command, int TimeoutSeconds)
{
    public static BuilderView? From(BuilderPlan? builder) =>
        builder is null ? null : new BuilderView(builder.Command, builder.TimeoutSeconds ?? BuilderPlan.DefaultTimeoutSeconds);
}
