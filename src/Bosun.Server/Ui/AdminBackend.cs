using Bosun.Contracts;
using Bosun.Contracts.Audit;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration.Audit;
using Bosun.Server.Orchestration.ConcurrencyLimits;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

/// <summary>The admin pages' backend, over the services the API's admin routes use; each change names itself for the audit log.</summary>
internal sealed class AdminBackend(AuditLog audit, SecurityService security, WorkPoolService pools, ConcurrencyLimitService limits) : IAdminBackend
{
    /// <summary>The workers page shows this many, most recently heard first.</summary>
    public const int MaxWorkers = 500;

    public Task<Page<AuditEntry>> ListAuditAsync(AuditFilter filter, string? cursor, int limit, CancellationToken cancellationToken) =>
        Call(() => audit.ListAsync(filter.Since, Blank(filter.Actor), Blank(filter.Action), Blank(filter.Target), 0, limit, cursor, cancellationToken));

    public Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken) => Call(() => security.ListKeysAsync(cancellationToken));

    public Task<ApiKeyCreated> CreateKeyAsync(ApiKeyCreate request, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("CreateApiKey", $"fields: name=\"{request.Name}\", role=\"{EnumNames.Of(request.Role)}\""
                + (request.Pools is { } named ? $", pools=[{string.Join(",", named)}]" : "")
                + (request.ExpiresInDays is { } days ? $", expires_in_days={days}" : ""));
            return security.CreateKeyAsync(request, cancellationToken);
        });

    public Task RevokeKeyAsync(Guid id, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("RevokeApiKey", $"id={id}");
            await security.RevokeKeyAsync(id, cancellationToken);
            return 0;
        });

    public Task<IReadOnlyList<UiSession>> ListSessionsAsync(CancellationToken cancellationToken) => Call(() => security.ListSessionsAsync(cancellationToken));

    public Task RevokeSessionAsync(Guid id, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("RevokeUiSession", $"sessionId={id}");
            await security.RevokeSessionAsync(id, cancellationToken);
            return 0;
        });

    public Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken) => Call(() => security.ListSecretsAsync(cancellationToken));

    public Task SetSecretAsync(string name, string value, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            // The name only: a secret's value never reaches the audit log.
            UiChangeLog.Describe("SetSecret", $"name={name}; fields: value");
            await security.SetSecretAsync(name, new SecretValue(value), cancellationToken);
            return 0;
        });

    public Task DeleteSecretAsync(string name, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("DeleteSecret", $"name={name}");
            await security.DeleteSecretAsync(name, cancellationToken);
            return 0;
        });

    public async Task<IReadOnlyList<WorkerInFlight>> ListWorkersAsync(CancellationToken cancellationToken) =>
        (await Call(() => pools.ListAllWorkersAsync(MaxWorkers, cancellationToken))).Select(row => new WorkerInFlight(row.Worker, row.RunsInFlight)).ToList();

    public Task<IReadOnlyList<ConcurrencyLimit>> ListTagLimitsAsync(CancellationToken cancellationToken) => Call(() => limits.ListAsync(cancellationToken));

    public Task<ConcurrencyLimit> SetTagLimitAsync(ConcurrencyLimitCreate request, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("CreateConcurrencyLimit", $"fields: tag=\"{request.Tag}\", limit={request.Limit}");
            return limits.UpsertAsync(request, cancellationToken);
        });

    public Task DeleteTagLimitAsync(string tag, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("DeleteConcurrencyLimit", $"tag={tag}");
            await limits.DeleteAsync(tag, cancellationToken);
            return 0;
        });

    public Task<WorkPool> SetPolicyAsync(string poolName, IReadOnlyDictionary<string, JobVariableRule> policy, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("UpdateWorkPool", $"name={poolName}; fields: job_variable_policy{{{string.Join(",", policy.Keys)}}}");
            return pools.UpdatePoolAsync(poolName, new WorkPoolUpdate { JobVariablePolicy = policy }, cancellationToken);
        });

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
