using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>
/// Runs the real `bosun` entry point in-process with its own stdout, stderr, environment and home folder, so tests in
/// different classes run in parallel without sharing Console.
/// </summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner(Uri? apiUrl = null)
    {
        Home = TempDirectory.Create("bosun-cli-home");
        Environment["BOSUN_HOME"] = Home;
        if (apiUrl is not null)
        {
            Environment["BOSUN_API_URL"] = apiUrl.ToString();
        }
    }

    /// <summary>The process environment the CLI sees: only these variables.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>What the command reads on standard input.</summary>
    public string StandardInput { get; set; } = "";

    /// <summary>BOSUN_HOME: where profiles.json goes.</summary>
    public string Home { get; }

    public Task<CliResult> RunAsync(params string[] args) => Start(args).Completion;

    /// <summary>Starts a command without waiting for it; its stdout can be read while it runs.</summary>
    public RunningCli Start(params string[] args)
    {
        var output = new SynchronizedStringWriter();
        var error = new SynchronizedStringWriter();
        var context = new CliContext(output, error, name => Environment.GetValueOrDefault(name), TimeProvider.System, interactive: false, width: 250)
        {
            WatchPollInterval = TimeSpan.FromMilliseconds(20),
            Input = new StringReader(StandardInput),
        };
        return new RunningCli(output, error, RunAsync(args, context, output, error));
    }

    private static async Task<CliResult> RunAsync(string[] args, CliContext context, TextWriter output, TextWriter error)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Off the test's thread: the command runs while the test plays the worker.
        var exitCode = await Task.Run(() => BosunCli.RunAsync(args, context, timeout.Token));
        return new CliResult(exitCode, output.ToString()!, error.ToString()!);
    }

    public void Dispose() => TempDirectory.Delete(Home);
}

/// <summary>A command started by <see cref="CliRunner.Start"/>.</summary>
public sealed class RunningCli(SynchronizedStringWriter output, SynchronizedStringWriter error, Task<CliResult> completion)
{
    public Task<CliResult> Completion { get; } = completion;

    /// <summary>Waits until the command has printed <paramref name="text"/> on stdout (or fails if it ends first).</summary>
    public Task PrintedAsync(string text) => WaitForAsync(output, text, "stdout");

    /// <summary>Waits until the command has printed <paramref name="text"/> on stderr (or fails if it ends first).</summary>
    public Task PrintedOnErrorAsync(string text) => WaitForAsync(error, text, "stderr");

    private Task WaitForAsync(SynchronizedStringWriter stream, string text, string name) => Eventually.WaitUntilAsync(() =>
    {
        if (Completion.IsCompleted && !stream.ToString().Contains(text, StringComparison.Ordinal))
        {
            throw new Xunit.Sdk.XunitException($"The command ended without printing '{text}' on {name}. It printed:\n{output}\n{error}");
        }

        return Task.FromResult(stream.ToString().Contains(text, StringComparison.Ordinal));
    }, $"the command printed '{text}' on {name}");
}
