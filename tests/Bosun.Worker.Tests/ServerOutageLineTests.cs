using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Bosun.Worker.Tests;

/// <summary>
/// The client's "answers again, after D" line counts the outage up to when the request that got through was sent: a
/// long-polling claim that waits its full time on the server that came back does not add that wait to the outage.
/// </summary>
public sealed class ServerOutageLineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ClaimWait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ServerBack_FirstAnswerIsALongPoll_TheOutageEndsWhenItWasSentNotWhenItWasAnswered()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var lines = new ListLogger();
        using var client = new BosunClient(new BosunClientOptions
        {
            ApiUrl = server.ApiUrl, OutageRetryWindow = TimeSpan.FromMinutes(5), RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500), Logger = lines,
        });

        await server.StopAsync();
        var away = Stopwatch.StartNew();
        // Retried until the server is back; then it waits there for a run that never comes.
        var claim = client.ClaimFlowRunsAsync("p", new ClaimRequest("w", WaitSeconds: ClaimWait.TotalSeconds));
        await Eventually.WaitUntilAsync(() => Task.FromResult(lines.Lines.Any(line => line.Contains("is not answering", StringComparison.Ordinal))),
            "the client said the server is not answering");
        await server.RestartAsync();
        var outage = away.Elapsed;
        Assert.Empty((await claim.WaitAsync(TimeSpan.FromMinutes(2))).Runs);

        var line = Assert.Single(lines.Lines, line => line.Contains("answers again", StringComparison.Ordinal));
        var reported = TimeSpan.Parse(line[(line.LastIndexOf("after ", StringComparison.Ordinal) + "after ".Length)..].Trim(), CultureInfo.InvariantCulture);
        // Sent within the retry delay (0.5 s) of the restart: far below the claim's wait of 15 s, whatever the load.
        Assert.True(reported < outage + TimeSpan.FromSeconds(7), $"an outage of {outage} reported as {reported}");
        output.WriteLine($"away {outage.TotalSeconds:0.0} s, reported {reported.TotalSeconds:0.0} s");
    }

    private sealed class ListLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));
    }
}
