namespace Autopack.Storage.Runs;

/// <summary>A run or phase named by an operator does not exist.</summary>
public sealed class NotFoundException(string what, string id) : Exception($"{what} '{id}' not found")
{
    public string What { get; } = what;

    public string Id { get; } = id;
}
