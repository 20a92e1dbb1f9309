using Autopack.Storage.Runtime;

namespace Autopack.Cli.Commands;

/// <summary>The body shared by `runs stop|abort` and `phases timeout`: write the control file, or say why not.</summary>
public static class ControlFileCommand
{
    /// <summary>Returns the path written; an unknown id or an ended run or phase is a one-line error.</summary>
    public static async Task<string> RequestAsync(CliContext ctx, ControlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var result = await new ControlRequests(ctx.MigratedDatabase(), ctx.Runtime).RequestAsync(command, cancellationToken).ConfigureAwait(false);
        return result.FilePath ?? throw new CliException(result.AlreadyEnded!, 5);
    }
}
