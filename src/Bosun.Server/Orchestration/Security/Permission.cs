namespace Bosun.Server.Orchestration.Security;

/// <summary>What a route needs. Roles grant sets of these; a run token grants Read and RunReport on its own run.</summary>
internal enum Permission
{
    /// <summary>No key needed (health).</summary>
    Anonymous,
    /// <summary>Read anything.</summary>
    Read,
    /// <summary>Deploy, run, cancel, retry, schedule.</summary>
    Deploy,
    /// <summary>What a worker does: heartbeat, claim, record infrastructure, issue run tokens, resolve secrets.</summary>
    Work,
    /// <summary>Report on a run: propose its states, write its logs, heartbeat it.</summary>
    RunReport,
    /// <summary>Manage pools, queues, API keys and secrets.</summary>
    Admin,
}
