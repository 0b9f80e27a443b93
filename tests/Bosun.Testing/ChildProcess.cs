using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bosun.Testing;

/// <summary>A real child process with its output captured line by line, for end-to-end tests.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line written to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => _lines.ToArray();

    public string OutputText => string.Join('\n', _lines);

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs `dotnet bosun.dll args...`.</summary>
    public static ChildProcess StartCli(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        Start("dotnet", new[] { RepoPaths.CliDll }.Concat(arguments), environment, workingDirectory);

    /// <summary>
    /// Starts a process and waits for an output line containing <paramref name="fragment"/> (a server listening, a flow
    /// served); the process is disposed of (killed) when the line does not come.
    /// </summary>
    public static async Task<ChildProcess> StartAndWaitForLineAsync(string fileName, IEnumerable<string> arguments, string fragment,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var child = Start(fileName, arguments, environment);
        try
        {
            await child.WaitForLineAsync(fragment, timeout);
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>dotnet Bosun.Sdk.TestFlows.dll serve --flow FLOW --name served OPTIONS...</c> (its deployment is
    /// <c>FLOW/served</c>) and waits until it says the flow is being served.
    /// </summary>
    public static Task<ChildProcess> ServeTestFlowAsync(string flow, IReadOnlyDictionary<string, string?> environment, IEnumerable<string>? options = null, TimeSpan? timeout = null) =>
        StartAndWaitForLineAsync("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", flow, "--name", "served", .. options ?? []], "is being served", environment, timeout);

    /// <summary>Waits for an output line containing <paramref name="fragment"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(string fragment, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = _lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited && !await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200)))
            {
                throw new InvalidOperationException($"Process exited ({_process.ExitCode}) before printing '{fragment}'. Output:\n{OutputText}");
            }

            var remaining = deadline - TimeProvider.System.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No line containing '{fragment}' within the deadline. Output:\n{OutputText}");
            }

            await _lineArrived.WaitAsync(remaining < TimeSpan.FromMilliseconds(500) ? remaining : TimeSpan.FromMilliseconds(500));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM (graceful stop).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = SignalNative.Kill(_process.Id, SignalNative.SigTerm);
        }
    }

    /// <summary>Sends "SIGINT" (<see cref="Interrupt"/>) or "SIGTERM" (<see cref="Terminate"/>).</summary>
    public void Signal(string name)
    {
        if (name == "SIGINT")
        {
            Interrupt();
        }
        else
        {
            Terminate();
        }
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            _ = SignalNative.Kill(_process.Id, SignalNative.SigInt);
        }
    }

    /// <summary>SIGKILL of this process alone: its children (a worker's flow-run processes) live on.</summary>
    public void KillAlone()
    {
        if (!_process.HasExited)
        {
            _ = SignalNative.Kill(_process.Id, SignalNative.SigKill);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        _lineArrived.Release();
    }
}
