using Autopack.Storage.Entities;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Control;

/// <summary>
/// Writes what the inbox did with a request. A handled command has already taken effect (acting first keeps the
/// latency to milliseconds), so a busy database is retried rather than losing the record, and a row is marked
/// handled only while it is still unhandled (never recorded twice).
/// </summary>
internal sealed class ControlRecorder(ControlRequestStore requests, string handledBy, TimeProvider time, ILogger logger)
{
    public async Task MarkHandledAsync(ControlRequestRow row, string effect, string message)
    {
        var marked = false;
        await RecordAsync(async () => marked = await requests.MarkHandledAsync(row.Id, handledBy, effect, message, CancellationToken.None).ConfigureAwait(false)).ConfigureAwait(false);
        if (!marked)
        {
            logger.LogWarning("control request {Id} was already marked handled", row.Id);
        }
    }

    public async Task RecordAsync(Func<Task> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException && attempt < 5)
            {
                logger.LogWarning(ex, "could not record a control command (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
