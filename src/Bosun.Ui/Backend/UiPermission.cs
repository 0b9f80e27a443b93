namespace Bosun.Ui.Backend;

/// <summary>What the web UI lets a person do; a key's role grants a set of these (the server decides which).</summary>
[Flags]
public enum UiPermission
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>See pools, deployments, runs and logs.</summary>
    Read = 1,

    /// <summary>Start, cancel and retry runs.</summary>
    Deploy = 2,

    /// <summary>Manage pools and queues.</summary>
    Admin = 4,
}
