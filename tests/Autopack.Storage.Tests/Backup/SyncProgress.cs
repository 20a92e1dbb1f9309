using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

/// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post later), so a test can act at an exact point.</summary>
internal sealed class SyncProgress(Action<BackupProgress> onReport) : IProgress<BackupProgress>
{
    public void Report(BackupProgress value) => onReport(value);
}
