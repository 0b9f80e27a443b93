using Bosun.Contracts;
using Bosun.Contracts.Audit;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;

namespace Bosun.Ui.Backend;

/// <summary>What the admin pages read and change: the audit log, API keys, secrets, workers, tag limits, a pool's policy.</summary>
public interface IAdminBackend
{
    /// <summary>Audit entries newest first, filtered; a page at a time (<paramref name="cursor"/> from the previous page's next cursor).</summary>
    Task<Page<AuditEntry>> ListAuditAsync(AuditFilter filter, string? cursor, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken);

    /// <summary>Creates a key; the answer holds the key itself, shown once.</summary>
    Task<ApiKeyCreated> CreateKeyAsync(ApiKeyCreate request, CancellationToken cancellationToken);

    Task RevokeKeyAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The web UI sessions kept (working ones and those ended within a week), oldest first.</summary>
    Task<IReadOnlyList<UiSession>> ListSessionsAsync(CancellationToken cancellationToken);

    /// <summary>Ends a web UI session at once, on every replica.</summary>
    Task RevokeSessionAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Secret names and times; never a value.</summary>
    Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken);

    Task SetSecretAsync(string name, string value, CancellationToken cancellationToken);

    Task DeleteSecretAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every pool's workers, most recently heard first, with the runs each has in flight.</summary>
    Task<IReadOnlyList<WorkerInFlight>> ListWorkersAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ConcurrencyLimit>> ListTagLimitsAsync(CancellationToken cancellationToken);

    Task<ConcurrencyLimit> SetTagLimitAsync(ConcurrencyLimitCreate request, CancellationToken cancellationToken);

    Task DeleteTagLimitAsync(string tag, CancellationToken cancellationToken);

    /// <summary>Replaces a pool's job-variable policy (an admin's: docs/security.md); a refused rule is a problem with its field.</summary>
    Task<WorkPool> SetPolicyAsync(string poolName, IReadOnlyDictionary<string, JobVariableRule> policy, CancellationToken cancellationToken);
}

/// <summary>Which audit entries to show.</summary>
/// <param name="Since">How far back (e.g. 24 hours).</param>
/// <param name="Actor">A key's name, exactly; null for all.</param>
/// <param name="Action">An action's name, such as CreateApiKey (case-insensitive); null for all.</param>
/// <param name="Target">Text the entry's route or summary contains (a pool's name, a run's id); null for all.</param>
public sealed record AuditFilter(TimeSpan Since, string? Actor = null, string? Action = null, string? Target = null);

/// <summary>A worker and the runs it has in flight (pending, running or cancelling).</summary>
/// <param name="Worker">The worker.</param>
/// <param name="RunsInFlight">Its runs not yet ended.</param>
public sealed record WorkerInFlight(Worker Worker, int RunsInFlight);
