using Autopack.Domain.Budgets;
using Autopack.Domain.Settings;
using Autopack.Llm;
using Autopack.Storage;

namespace Autopack.Executor;

/// <summary>
/// What an executor runs with: the storage, budget and provider settings it composes, and its own heartbeat and
/// outage limits. <see cref="Load"/> reads them all, refusing a bad value naming its variable.
/// </summary>
public sealed record ExecutorSettings
{
    public StorageSettings Storage { get; init; } = new();

    public BudgetSettings Budget { get; init; } = new();

    public LlmSettings Llm { get; init; } = new();

    /// <summary>How often the executor renews its lease; shorter than <see cref="StorageSettings.LeaseStaleSeconds"/>.</summary>
    public int HeartbeatSeconds { get; init; } = 2;

    /// <summary>A provider outage longer than this ends the executor with the run PAUSED (the attempt not counted).</summary>
    public int OutagePauseSeconds { get; init; } = 900;

    public static ExecutorSettings Load(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var defaults = new ExecutorSettings();
        var settings = new ExecutorSettings
        {
            Storage = StorageSettings.Load(reader),
            Budget = BudgetSettings.Load(reader),
            Llm = LlmSettings.Load(reader),
            HeartbeatSeconds = reader.Int("AUTOPACK_HEARTBEAT_SECONDS", 1, 300) ?? defaults.HeartbeatSeconds,
            OutagePauseSeconds = reader.Int("AUTOPACK_OUTAGE_PAUSE_SECONDS", 1, 86_400) ?? defaults.OutagePauseSeconds,
        };

        if (settings.Storage.LeaseStaleSeconds <= settings.HeartbeatSeconds)
        {
            throw new SettingsException("AUTOPACK_LEASE_STALE_SECONDS", $"must be longer than AUTOPACK_HEARTBEAT_SECONDS ({settings.HeartbeatSeconds})");
        }

        return settings;
    }
}
