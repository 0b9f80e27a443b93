using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Bosun.Bench.Peers;

namespace Bosun.Bench;

/// <summary>
/// A child process of the comparison: a `dotnet` program started with its arguments, whose stdout lines starting with
/// <see cref="PeerRole.AnswerPrefix"/> are its answers and whose other output is kept (the last lines) for errors.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _answers = Channel.CreateUnbounded<string>();
    private readonly Queue<string> _output = new();
    private readonly string _name;
    private bool _killOnDispose;

    private PeerProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public int Id => _process.Id;

    /// <summary>What the process is to its system: the last word of its name (server, executor, producer).</summary>
    public string Role => _name[(_name.LastIndexOf(' ') + 1)..];

    /// <summary>
    /// Starts `dotnet DLL ARGS...` with <paramref name="environment"/> added to this process's; <paramref name="onLine"/>
    /// sees every line of its stdout.
    /// </summary>
    public static PeerProcess Start(string name, string dll, IEnumerable<string> arguments, Action<string>? onLine = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[variable] = value;
        }

        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(name, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                peer._answers.Writer.TryComplete();
                return;
            }

            onLine?.Invoke(line);
            if (line.StartsWith(PeerRole.AnswerPrefix, StringComparison.Ordinal))
            {
                peer._answers.Writer.TryWrite(line[PeerRole.AnswerPrefix.Length..]);
            }
            else
            {
                peer.Keep(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                peer.Keep(line);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>
    /// Starts `bosun server start` (the CLI, as users run it) on a free port over <paramref name="database"/> (a SQLite
    /// path or a PostgreSQL connection string); returns once it listens, with its API address.
    /// </summary>
    public static async Task<(PeerProcess Server, string ApiUrl)> StartBosunServerAsync(string database, string keyFile, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        const string Marker = "export BOSUN_API_URL=";
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // BOSUN_BENCH_SERVER_ENVIRONMENT ("NAME=VALUE,NAME=VALUE") reaches the server's process alone: a runtime setting
        // measured on the server without changing the processes around it.
        var serverEnvironment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        foreach (var pair in (Environment.GetEnvironmentVariable("BOSUN_BENCH_SERVER_ENVIRONMENT") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            serverEnvironment[parts[0]] = parts.Length > 1 ? parts[1] : "";
        }

        var server = Start("bosun server", BenchArtifacts.CliDll, ["server", "start", "--port", "0", "--database", database, "--key-file", keyFile], line =>
        {
            if (line.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0)
            {
                address.TrySetResult(line[(at + Marker.Length)..].TrimEnd(')', ' '));
            }
        }, serverEnvironment);
        // The server reads no stdin: stopping it is killing it (its store is thrown away after the benchmark).
        server._killOnDispose = true;
        try
        {
            return (server, await address.Task.WaitAsync(timeout));
        }
        catch (TimeoutException ex)
        {
            var output = server.LastOutput();
            await server.DisposeAsync();
            throw new InvalidOperationException($"the Bosun server did not start within {timeout.TotalSeconds:0} s; its last output:\n{output}", ex);
        }
    }

    /// <summary>Waits for the next answer (the first is "ready").</summary>
    public async Task<JsonElement> AnswerAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return JsonDocument.Parse(await _answers.Reader.ReadAsync(cancel.Token)).RootElement;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new InvalidOperationException($"{_name} gave no answer within {timeout.TotalSeconds:0} s" +
                (_process.HasExited ? $" (exited with {_process.ExitCode})" : "") + $"; its last output:\n{LastOutput()}", ex);
        }
    }

    public async Task<JsonElement> AskAsync(string command, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await AnswerAsync(timeout);
    }

    /// <summary>Resident set size (VmRSS) in MiB, or NaN once the process has gone.</summary>
    public double ResidentMiB() => ResidentMemory.MiB(_process.Id);

    public string LastOutput()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private void Keep(string line)
    {
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>Asks it to quit (stdin "quit"), and kills it if it has not exited within 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_killOnDispose && !_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
            }
            catch (IOException)
            {
                // It has closed its input: it is on its way out.
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }
}
