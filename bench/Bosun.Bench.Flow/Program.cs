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

/// <summary>The benchmark's flow: does nothing.</summary>
internal static class BenchFlows
{
    [Flow("noop")]
    public static void Noop()
    {
    }
}
