using Bosun.Sdk;

namespace Bosun.Sdk.TestFlows;

/// <summary>What a person gives a paused run.</summary>
/// <param name="Approved">Whether they approve.</param>
/// <param name="Reviewer">Who they are.</param>
public sealed record Approval(bool Approved, string Reviewer);

/// <summary>Flows that pause for input, run by the SDK tests in flow-run processes.</summary>
public static class PauseFlows
{
    /// <summary>Pauses for an <see cref="Approval"/> and returns what it said.</summary>
    [Flow("approval", LogPrints = true)]
    public static async Task<string> AwaitApproval(double timeoutSeconds = 120)
    {
        Console.WriteLine("pausing for approval");
        var approval = await FlowContext.Current.PauseAsync<Approval>(TimeSpan.FromSeconds(timeoutSeconds));
        return approval.Approved ? $"approved by {approval.Reviewer}" : $"rejected by {approval.Reviewer}";
    }
}
