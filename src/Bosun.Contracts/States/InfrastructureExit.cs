using System.Globalization;

namespace Bosun.Contracts.States;

/// <summary>How a flow run's infrastructure (process, container, job) ended. <see cref="Code"/> is null when it could not be known.</summary>
/// <param name="Code">The exit code, or null when the infrastructure was removed before it could be read.</param>
public sealed record InfrastructureExit(int? Code)
{
    /// <summary>The exit code of a flow-run process that gave up reaching the Bosun server (EX_TEMPFAIL).</summary>
    public const int ServerUnreachableCode = 75;

    /// <summary>An exit whose code could not be read.</summary>
    public static InfrastructureExit Unknown { get; } = new((int?)null);

    /// <summary>What the infrastructure itself said about the end (a Kubernetes pod OOMKilled or evicted), or null.</summary>
    public string? Detail { get; init; }

    /// <summary>A sentence for the run's CRASHED message (docs/behaviour.md §6: 137 killed/OOM, 143 SIGTERM, 125/126/127), with <see cref="Detail"/> when known.</summary>
    public string Explain() => Detail is null ? ExplainCode() : $"{ExplainCode()}: {Detail}";

    private string ExplainCode() => Code switch
    {
        null => "Flow run infrastructure ended with an unknown exit status (it was removed before its exit code could be read)",
        0 => "Flow run infrastructure exited with code 0 without reporting a final state",
        137 => "Flow run infrastructure was killed (exit code 137: SIGKILL, often the out-of-memory killer)",
        143 => "Flow run infrastructure was terminated (exit code 143: SIGTERM)",
        125 => "Flow run container could not be run (exit code 125: the container runtime failed)",
        126 => "Flow run command could not be executed (exit code 126: not executable or permission denied)",
        127 => "Flow run command was not found (exit code 127)",
        ServerUnreachableCode => "Flow run process gave up: the Bosun server did not answer within its retry window (exit code 75; see BOSUN_SERVER_RETRY_SECONDS)",
        _ => $"Flow run infrastructure exited with non-zero exit code {Code}",
    };

    /// <summary>The code as text, or "unknown".</summary>
    public override string ToString() => Code?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
}
