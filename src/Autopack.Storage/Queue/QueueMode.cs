namespace Autopack.Storage.Queue;

/// <summary>
/// The installation's dispatch mode: NORMAL (workers claim runs) or DRAINING (no claims: running runs finish,
/// nothing new starts; FluxForge's DRAINING). Independent of the dispatch switch (<c>autopack queue pause</c>).
/// </summary>
public enum QueueMode
{
    Normal,
    Draining,
}
