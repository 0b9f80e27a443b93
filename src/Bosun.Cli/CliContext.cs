using Bosun.Client;
using Bosun.Cli.Configuration;
using Spectre.Console;

namespace Bosun.Cli;

/// <summary>
/// What a command may touch of the outside world: its output streams, environment, home folder and clock.
/// Program.cs builds it from the real process; tests build one per invocation, so they can run in parallel.
/// </summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, Func<string, string?> environment, TimeProvider timeProvider, bool interactive, int? width = null)
    {
        Output = output;
        Error = error;
        Environment = environment;
        Time = timeProvider;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (width is { } columns)
        {
            Console.Profile.Width = columns;
        }
    }

    /// <summary>Standard output: tables, messages and `--output json` documents.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: the one-line "Error: ..." messages.</summary>
    public TextWriter Error { get; }

    /// <summary>Standard input (secret values are read from it, never from the command line).</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>Spectre console over <see cref="Output"/>.</summary>
    public IAnsiConsole Console { get; }

    public Func<string, string?> Environment { get; }

    public TimeProvider Time { get; }

    /// <summary>How often `--watch` and `flow-run watch` poll the run.</summary>
    public TimeSpan WatchPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The CLI's own folder (profiles): BOSUN_HOME, else ~/.bosun.</summary>
    public string HomeDirectory =>
        Env("BOSUN_HOME") ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".bosun");

    /// <summary>The process's Ctrl+C/SIGTERM handling: a second signal stops a draining worker at once. Null in tests.</summary>
    public Bosun.Worker.ShutdownSignals? Signals { get; init; }

    /// <summary>The real process: Console streams and variables, ANSI and spinners when stdout is a terminal.</summary>
    public static CliContext FromProcess(Bosun.Worker.ShutdownSignals signals)
    {
        var redirected = System.Console.IsOutputRedirected;
        // A pipe has no width; 80 columns would wrap ids and names in the middle, which breaks grep and cut.
        return new CliContext(System.Console.Out, System.Console.Error, System.Environment.GetEnvironmentVariable, TimeProvider.System,
            interactive: !redirected, width: redirected ? 200 : null)
        {
            Input = System.Console.In,
            Signals = signals,
        };
    }

    public string? Env(string name) => Environment(name) is { Length: > 0 } value ? value : null;

    /// <summary>A client for the API that the options, environment or profile name (see <see cref="ApiSettings"/>).</summary>
    public BosunClient CreateClient(System.CommandLine.ParseResult parseResult) =>
        // A person is waiting: one retry, then say which address did not answer.
        NewClient(parseResult, options => options.MaxAttempts = 2);

    /// <summary>
    /// A client for commands that follow a run until it ends (`flow-run watch`, `flow-run logs --follow`, `deployment run
    /// --watch`): a server restart or an outage is ridden out for up to <see cref="BosunClientOptions.DefaultOutageRetryWindow"/>,
    /// as workers do, with one line on stderr when the server stops answering and one when it is back.
    /// </summary>
    public BosunClient CreateFollowingClient(System.CommandLine.ParseResult parseResult) => NewClient(parseResult, options =>
    {
        options.OutageRetryWindow = BosunClientOptions.DefaultOutageRetryWindow;
        options.Logger = new Output.ErrorLineLogger(Error);
    });

    private BosunClient NewClient(System.CommandLine.ParseResult parseResult, Action<BosunClientOptions> configure)
    {
        var settings = ApiSettings.Resolve(parseResult, this);
        var options = new BosunClientOptions
        {
            ApiUrl = settings.ApiUrl,
            ApiKey = settings.ApiKey,
            RetryDelay = TimeSpan.FromMilliseconds(200),
            RequestTimeout = TimeSpan.FromSeconds(30),
        };
        configure(options);
        return new BosunClient(options);
    }
}
