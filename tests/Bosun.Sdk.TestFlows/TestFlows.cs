using System.ComponentModel;
using System.Diagnostics;
using Bosun.Sdk;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk.TestFlows;

/// <summary>A person, to check record parameters.</summary>
/// <param name="Name">Name.</param>
/// <param name="Age">Age.</param>
public sealed record Person(string Name, int Age = 30);

/// <summary>Flows the SDK tests run.</summary>
public static class TestFlows
{
    [Flow("echo", LogPrints = true)]
    public static void Echo([Description("who to greet")] string name, int count = 1, Person? person = null, string[]? tags = null)
    {
        for (var i = 0; i < count; i++)
        {
            Console.WriteLine($"hello {name} #{i + 1}");
        }

        Console.WriteLine($"person={person?.Name}/{person?.Age} tags={string.Join(",", tags ?? [])}");
        var context = FlowContext.Current;
        if (context.Logger.IsEnabled(LogLevel.Information))
        {
            context.Logger.LogInformation("logged through ILogger for run {RunId}", context.FlowRunId);
        }
    }

    [Flow("fail")]
    public static Task Fail() => throw new InvalidOperationException("boom from the flow");

    [Flow("flaky", Retries = 2, RetryDelaySeconds = 0)]
    public static void Flaky(FlowContext context)
    {
        context.Logger.LogWarning("attempt in run {Run}", context.FlowRunName);
        throw new TimeoutException("flaky failure");
    }

    [Flow("slow", LogPrints = true)]
    public static async Task Slow(CancellationToken cancellationToken)
    {
        Console.WriteLine("slow flow started");
        await Task.Delay(TimeSpan.FromMinutes(5), cancellationToken);
    }

    [Flow("suicide")]
    public static void Suicide() => Process.GetCurrentProcess().Kill();

    [Flow("quick")]
    public static int Quick(int value = 1) => value + 1;

    [Flow("sleep", LogPrints = true)]
    public static async Task<int> Sleep(double seconds = 5, CancellationToken cancellationToken = default)
    {
        Console.WriteLine($"sleeping {seconds} s");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        Console.WriteLine("woke up");
        return 0;
    }

    /// <summary>
    /// Prints "line 1".."line N" (N = <paramref name="lines"/>); after the first half it waits until the file
    /// <paramref name="gate"/> exists, and just before returning it creates <paramref name="gate"/>.done. A test holds the
    /// flow at the gate, or lets it end, while the server is away.
    /// </summary>
    [Flow("gate", LogPrints = true)]
    public static async Task Gate(string gate, int lines = 3000, CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= lines; i++)
        {
            if (i == (lines / 2) + 1)
            {
                while (!File.Exists(gate))
                {
                    await Task.Delay(50, cancellationToken);
                }
            }

            Console.WriteLine($"line {i}");
        }

        await File.WriteAllTextAsync(gate + ".done", "", cancellationToken);
    }
}
