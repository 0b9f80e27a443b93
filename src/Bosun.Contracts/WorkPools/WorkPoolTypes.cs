namespace Bosun.Contracts.WorkPools;

/// <summary>The work pool types Bosun ships.</summary>
public static class WorkPoolTypes
{
    /// <summary>Each run is a child process on the worker's machine.</summary>
    public const string Process = "process";
    /// <summary>Each run is a Docker container.</summary>
    public const string Docker = "docker";
    /// <summary>Each run is a Kubernetes Job.</summary>
    public const string Kubernetes = "kubernetes";

    /// <summary>All known types.</summary>
    public static IReadOnlyList<string> All { get; } = [Process, Docker, Kubernetes];

    /// <summary>True when <paramref name="type"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);
}
