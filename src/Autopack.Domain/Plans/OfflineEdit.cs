namespace Autopack.Domain.Plans;

/// <summary>
/// One scripted edit of the offline provider's builder (a plan's <c>offline_edits</c>): with <see cref="Content"/>
/// it is a <c>write_file</c>, with <see cref="Old"/> and <see cref="New"/> a <c>replace_in_file</c>.
/// </summary>
public sealed record OfflineEdit(string Path, string? Content = null, string? Old = null, string? New = null)
{
    public bool IsWrite() => Content is not null;
}
