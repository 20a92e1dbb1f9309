namespace Autopack.Api.Queue;

/// <summary>A PATCH /queue or POST /admin/mode body the API refuses: the field and why (answered 400, naming the field).</summary>
public sealed class QueueRequestException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
