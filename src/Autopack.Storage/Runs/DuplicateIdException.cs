namespace Autopack.Storage.Runs;

/// <summary>A run or phase id in a plan already exists in the database.</summary>
public sealed class DuplicateIdException(string field, string id)
    : Exception($"{field}: '{id}' already exists")
{
    public string Field { get; } = field;

    public string Id { get; } = id;
}
