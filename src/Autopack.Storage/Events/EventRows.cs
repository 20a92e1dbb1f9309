using System.Data.Common;
using Autopack.Storage.Database;

namespace Autopack.Storage.Events;

/// <summary>One <c>events</c> row written inside the caller's transaction, in plain SQL.</summary>
internal static class EventRows
{
    public static Task InsertAsync(
        DbConnection connection, DbTransaction transaction, string? runId, string? phaseId, string kind, string message, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            transaction,
            "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES (@r, @p, @k, @m, @c)",
            cancellationToken,
            ("@r", runId),
            ("@p", phaseId),
            ("@k", kind),
            ("@m", message),
            ("@c", DbTime.ToText(now)));
}
