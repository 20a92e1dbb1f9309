namespace Autopack.Storage.Backup;

/// <summary>
/// A backup, restore or prune was refused for a reason the operator can act on (a hostile or damaged archive,
/// an executor holding a lease, an installation that would be overwritten). The message is one line.
/// </summary>
public sealed class BackupRefusedException : Exception
{
    public BackupRefusedException(string message)
        : base(message)
    {
    }

    public BackupRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
