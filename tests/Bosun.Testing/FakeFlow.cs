namespace Bosun.Testing;

/// <summary>
/// Shell commands that behave like a flow-run process (the SDK's entry point) by calling the API with curl, using the
/// BOSUN_API_URL, BOSUN_FLOW_RUN_ID and (with auth on) the run token in BOSUN_API_KEY the worker passes: enough to
/// drive a real worker without the SDK.
/// </summary>
public static class FakeFlow
{
    /// <summary>A shell snippet proposing <paramref name="state"/> (RUNNING, COMPLETED...) for the run.</summary>
    public static string Propose(string state) =>
        $$"""curl -s -o /dev/null -X POST "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" -H 'content-type: application/json' -H "Authorization: Bearer ${BOSUN_API_KEY:-none}" -d '{"type":"{{state}}"}'""";

    /// <summary>A shell snippet sending one run heartbeat.</summary>
    public static string Heartbeat() => """curl -s -o /dev/null -X POST "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/heartbeat" -H "Authorization: Bearer ${BOSUN_API_KEY:-none}" """;

    /// <summary>`sh -c '...'` as a command string for a deployment or a job variable.</summary>
    public static string Shell(string script) => $"sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
