using Bosun.Sdk;

// The baseline and the infrastructure-overhead benchmark start this executable bare: no SDK work at all.
if (args.Contains("--bare"))
{
    return 0;
}

if (await FlowRunEntryPoint.TryRunAsync() is { } exitCode)
{
    return exitCode;
}

return 0;

/// <summary>The benchmarks' flows.</summary>
internal static class BenchFlows
{
    /// <summary>Does nothing.</summary>
    [Flow("noop")]
    public static void Noop()
    {
    }

    /// <summary>Prints "line 1".."line N"; after the first half it waits for the file <paramref name="gate"/>, and creates gate.done as it returns.</summary>
    [Flow("lines", LogPrints = true)]
    public static async Task Lines(string gate, int lines = 3000, CancellationToken cancellationToken = default)
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
