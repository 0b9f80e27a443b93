namespace Bosun.Ui.Backend;

/// <summary>What changed about a watched run since the watch was last asked.</summary>
[Flags]
public enum RunChanges
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>New log lines were written.</summary>
    Lines = 1,

    /// <summary>The run's state changed.</summary>
    State = 2,
}
