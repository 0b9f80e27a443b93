namespace Bosun.Server.Orchestration;

/// <summary>What changed about a run, as <see cref="RunSignals"/> tells its watchers.</summary>
[Flags]
internal enum RunChange
{
    None = 0,

    /// <summary>Log lines of the run were written.</summary>
    Lines = 1,

    /// <summary>The run's state changed.</summary>
    State = 2,
}
