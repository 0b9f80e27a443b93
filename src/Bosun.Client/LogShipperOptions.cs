namespace Bosun.Client;

/// <summary>How much a <see cref="LogShipper"/> keeps while the server does not take its lines, and where.</summary>
public sealed class LogShipperOptions
{
    /// <summary>Lines kept in memory before they are moved to the spill file (default 10,000).</summary>
    public int MemoryLines { get; set; } = 10_000;

    /// <summary>The folder of the spill file: <c>BOSUN_LOG_SPILL_DIR</c>, else <c>bosun-logs</c> in the temporary folder.</summary>
    public string SpillDirectory { get; set; } = DefaultSpillDirectory();

    /// <summary>Largest size of the spill file (default 256 MiB); past it, new lines are dropped, counted and reported.</summary>
    public long SpillFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The environment variable that moves the spill folder.</summary>
    public const string SpillDirectoryVariable = "BOSUN_LOG_SPILL_DIR";

    private static string DefaultSpillDirectory() =>
        Environment.GetEnvironmentVariable(SpillDirectoryVariable) is { Length: > 0 } directory ? directory : Path.Combine(Path.GetTempPath(), "bosun-logs");
}
