using System.Diagnostics;
using System.Text;

namespace Autopack.Testing;

/// <summary>
/// A real <c>autopack</c> process (the built autopack.dll run by dotnet), with its output captured. It is
/// stopped by its own handle on dispose, never by name.
/// </summary>
public sealed partial class AutopackProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();
    private readonly bool groupLeader;

    private AutopackProcess(Process process, bool groupLeader)
    {
        this.process = process;
        this.groupLeader = groupLeader;
    }

    /// <summary>Raised for each line the process writes (stdout or stderr), as it arrives.</summary>
    public event Action<string>? LineReceived;

    public static string AutopackDll => Path.Combine(AppContext.BaseDirectory, "autopack.dll");

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (error)
            {
                return error.ToString();
            }
        }
    }

    public static AutopackProcess Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(null, workingDirectory, environment, groupLeader: false, args);

    /// <summary>Starts a published autopack executable (<paramref name="program"/>, e.g. the native front); null: the built autopack.dll.</summary>
    public static AutopackProcess StartProgram(string? program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(program, workingDirectory, environment, groupLeader: false, args);

    /// <summary>
    /// Starts autopack as the leader of a process group of its own (through <c>setsid</c>, which execs in place, so
    /// <see cref="Pid"/> is the group's id): its children stay in the group, and <see cref="KillGroup"/> kills them all
    /// at once, as a dead host would.
    /// </summary>
    public static AutopackProcess StartGroupLeader(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(null, workingDirectory, environment, groupLeader: true, args);

    private static AutopackProcess Start(string? program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, bool groupLeader, string[] args)
    {
        var info = new ProcessStartInfo(groupLeader ? "setsid" : program ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (groupLeader)
        {
            info.ArgumentList.Add("dotnet");
        }

        if (program is null)
        {
            info.ArgumentList.Add(AutopackDll);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("AUTOPACK_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new AutopackProcess(process, groupLeader);
        process.OutputDataReceived += (_, e) => wrapper.Append(wrapper.output, e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(wrapper.error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs autopack to its end and returns (exit code, stdout, stderr).</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args) =>
        RunProgramAsync(null, workingDirectory, environment, timeout, args);

    /// <summary>Runs <paramref name="program"/> (a published autopack; null: the built autopack.dll) to its end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunProgramAsync(
        string? program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(program, workingDirectory, environment, groupLeader: false, args);
        if (!await process.WaitForExitAsync(timeout))
        {
            process.Kill();
            throw new TimeoutException($"autopack {string.Join(' ', args)} did not exit within {timeout}; output: {process.Output} {process.Error}");
        }

        return (process.ExitCode, process.Output, process.Error);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            process.WaitForExit(); // flush redirected output
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the output so far.</summary>
    public async Task<bool> WaitForOutputAsync(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition(Output + Error))
            {
                return true;
            }

            if (process.HasExited)
            {
                return condition(Output + Error);
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>
    /// For a <c>serve</c> process: waits until <c>GET /ready</c> answers 200 through <paramref name="client"/> (its base
    /// address the server's); throws with the server's output if it exits first or is not ready within 30 s.
    /// </summary>
    public async Task WaitUntilReadyAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"serve exited with {process.ExitCode}: {Output} {Error}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/ready", UriKind.Relative));
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no /ready 200 within 30 s: {Output} {Error}");
    }

    /// <summary>SIGKILL, by this process's own handle.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>
    /// SIGKILL to the whole process group this process leads (see <see cref="StartGroupLeader"/>): it and every child
    /// still in its group die at once, with no chance to clean up.
    /// </summary>
    public void KillGroup()
    {
        if (!groupLeader)
        {
            throw new InvalidOperationException("only a process started with StartGroupLeader leads a group of its own");
        }

        if (!process.HasExited)
        {
            _ = Posix.Kill(-process.Id, 9);
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, for a graceful shutdown.</summary>
    public void Terminate()
    {
        if (!process.HasExited)
        {
            _ = Posix.Kill(process.Id, 15);
        }
    }

    /// <summary>SIGSTOP: the process is frozen (as by a debugger, a VM pause or swap) until <see cref="Resume"/>.</summary>
    public void Freeze()
    {
        if (!process.HasExited)
        {
            _ = Posix.Kill(process.Id, 19);
        }
    }

    /// <summary>SIGCONT: a frozen process carries on where it was.</summary>
    public void Resume()
    {
        if (!process.HasExited)
        {
            _ = Posix.Kill(process.Id, 18);
        }
    }

    public void Dispose()
    {
        Resume(); // a frozen process cannot act on SIGKILL's cleanup of its pipes; SIGKILL works either way
        Kill();
        process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }

        LineReceived?.Invoke(line);
    }

    private static partial class Posix
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
        public static partial int Kill(int pid, int signal);
    }
}
