using Autopack.Storage.Runtime;

namespace Autopack.Api.Control;

/// <summary>
/// What <c>POST /runs/{id}/stop|abort</c>, <c>POST /phases/{id}/timeout</c> and the CLI's <c>runs stop|abort</c> and
/// <c>phases timeout</c> do: store the request (<see cref="ControlRequests"/>, which refuses an unknown or ended run
/// or phase, and ends at once an abort that no executor can act on), then write the control file an operator's echo
/// would, so executors and scripts watching the folder see it. The CLI composes this class too, so both write the
/// same file the same way.
/// </summary>
public sealed class ControlRequestSender(ControlRequests requests, RuntimeFolder runtime)
{
    /// <exception cref="Autopack.Storage.Runs.NotFoundException">the run (stop, abort) or phase (timeout) does not exist.</exception>
    public async Task<SentControlRequest> SendAsync(ControlCommand command, ControlSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var stored = await requests.RequestAsync(command, source, cancellationToken).ConfigureAwait(false);

        // The file is written after the row is committed, so an executor that sees it can always see its row too.
        var path = stored.Accepted && !stored.EndedNow ? WriteControlFile(command) : null;
        return new SentControlRequest(stored, path);
    }

    /// <summary>
    /// Writes a control file the way an operator's echo does, but atomically (temp file + rename), so a watcher
    /// never reads half a command.
    /// </summary>
    private string WriteControlFile(ControlCommand command)
    {
        Directory.CreateDirectory(runtime.Path);
        var target = runtime.ControlFilePath(command.Kind);
        var temp = Path.Combine(runtime.Path, $".tmp-{Guid.NewGuid():N}");
        File.WriteAllText(temp, command.Content + "\n");
        File.Move(temp, target, overwrite: true);
        return target;
    }
}
