using Autopack.Domain.Plans;

namespace Autopack.Llm.Providers;

/// <summary>
/// What the offline provider plays: its auditor rejects when <see cref="RejectAudit"/> is set, and its builder
/// (a call with tools) performs <see cref="Edits"/> one tool call per turn, then calls <c>finish</c>.
/// </summary>
public sealed record OfflineScript(bool RejectAudit, IReadOnlyList<OfflineEdit> Edits);
