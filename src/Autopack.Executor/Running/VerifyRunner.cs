using System.Diagnostics;
using System.Text;

namespace Autopack.Executor.Running;

/// <summary>
/// Runs a phase's verify command with /bin/sh in the run's workspace, with its own timeout, its output captured
/// to a log file and its tail kept for the auditor. Cancellation (abort, forced timeout) kills the whole
/// process tree at once.
/// </summary>
public sealed class VerifyRunner
{
    private const int TailChars = 2000;

    public async Task<VerifyResult> RunAsync(string command, string workspace, TimeSpan timeout, string logPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workspace);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workspace,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);

        var output = new StringBuilder();
        await using var log = new StreamWriter(logPath, append: false);
        var started = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            process.WaitForExit(); // drain the redirected output
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new VerifyResult(null, true, Tail(), started.Elapsed);
        }

        return new VerifyResult(process.ExitCode, false, Tail(), started.Elapsed);

        void Capture(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                log.WriteLine(line);
                output.AppendLine(line);
                if (output.Length > 4 * TailChars)
                {
                    output.Remove(0, output.Length - TailChars);
                }
            }
        }

        string Tail()
        {
            lock (output)
            {
                log.Flush();
                var text = output.ToString();
                return text.Length > TailChars ? text[^TailChars..] : text;
            }
        }
    }
}
