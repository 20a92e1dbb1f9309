using Autopack.Api.Hosting;
using Autopack.Domain.Settings;
using Autopack.Executor;

namespace Autopack.Cli;

/// <summary>
/// Every setting of the SPEC, as the one <c>autopack</c> binary reads them before any command runs: what an executor
/// runs with (storage, budget, providers, its own) and what the server does. Each part reads its own variables, so
/// a bad one stops every command with the same one-line <see cref="SettingsException"/> naming it.
/// </summary>
public sealed record AutopackSettings(ExecutorSettings Executor, ApiSettings Api)
{
    public static AutopackSettings Load(SettingsReader reader)
    {
        var executor = ExecutorSettings.Load(reader);
        return new AutopackSettings(executor, ApiSettings.Load(reader, executor.Storage));
    }

    /// <summary>Every path made absolute against <paramref name="workingDirectory"/>, for hosts that outlive it.</summary>
    public AutopackSettings ResolvedAgainst(string workingDirectory) => new(
        Executor with { Storage = Executor.Storage.ResolvedAgainst(workingDirectory) },
        Api with { LogPath = Path.GetFullPath(Api.LogPath, workingDirectory) });
}
