using System.Text.RegularExpressions;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Security;

/// <summary>API keys, secrets and run tokens.</summary>
internal sealed partial class SecurityService(
    BosunDatabase database, ServerKey key, RunTokens runTokens, SecretRedactor redactor, TimeProvider timeProvider, IOptions<BosunServerOptions> options)
{
    private static readonly TimeSpan AuthStateFreshness = TimeSpan.FromSeconds(2);
    private (bool Enabled, DateTimeOffset Checked) _authState = (false, DateTimeOffset.MinValue);

    /// <summary>Authentication is on as soon as one working API key exists (checked every 2 s, also for other replicas' keys).</summary>
    public async Task<bool> AuthEnabledAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now - _authState.Checked > AuthStateFreshness)
        {
            var count = await database.ReadAsync(connection => SecurityStore.CountActiveKeysAsync(connection, now, adminsOnly: false, cancellationToken), cancellationToken);
            _authState = (count > 0, now);
        }

        return _authState.Enabled;
    }

    /// <summary>The caller a bearer token stands for, or null when it is not a working key or run token.</summary>
    public async Task<BosunCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.StartsWith(RunTokens.Prefix, StringComparison.Ordinal))
        {
            return runTokens.Validate(token) is { } run ? new BosunCaller($"run {run.RunId}", null, run.RunId, run.DeploymentId) : null;
        }

        var row = await database.ReadAsync(connection => SecurityStore.FindKeyByHashAsync(connection, ApiKeySecrets.Hash(token), cancellationToken), cancellationToken);
        return await WorkingKeyAsync(row, cancellationToken);
    }

    /// <summary>
    /// The caller a web UI session stands for: the key with this id, while it still works (not revoked, not expired).
    /// The session holds the key's id, never the key, so it is checked again by id.
    /// </summary>
    public async Task<BosunCaller?> FindWorkingKeyAsync(Guid keyId, CancellationToken cancellationToken)
    {
        var row = await database.ReadAsync(connection => SecurityStore.FindKeyByIdAsync(connection, keyId, cancellationToken), cancellationToken);
        return await WorkingKeyAsync(row, cancellationToken);
    }

    /// <summary>How long a web UI session lasts after its last use (the cookie's sliding lifetime too).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>How long a session that ended is still listed before it is deleted (at a later sign-in).</summary>
    public static readonly TimeSpan EndedSessionsKept = TimeSpan.FromDays(7);

    /// <summary>
    /// Records a web UI sign-in of <paramref name="caller"/> (a working API key) as a session row, with its audit entry
    /// (<c>SignIn</c>) in the same transaction; returns the session's id, which the cookie names.
    /// </summary>
    public async Task<Guid> StartSessionAsync(BosunCaller caller, Func<Guid, Contracts.Audit.AuditEntry> entry, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var row = new UiSessionRow
        {
            Id = Guid.NewGuid(), KeyId = caller.KeyId ?? throw new ArgumentException("A session is a key's.", nameof(caller)), KeyName = caller.Name,
            Created = Ms(now), LastSeen = Ms(now), Expires = Ms(now + SessionLifetime),
        };
        await new AuditedChange(() => entry(row.Id)).RunAsync(() =>
            database.WriteAsync(scope => SecurityStore.InsertSessionAsync(scope, row, now - EndedSessionsKept, cancellationToken), cancellationToken));
        return row.Id;
    }

    /// <summary>
    /// The caller a web UI session stands for, read from the store now: null once the session is signed out, revoked or
    /// expired, or its key no longer works. Its use is noted at most once a minute, which slides its end.
    /// </summary>
    public async Task<BosunCaller?> FindWorkingSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var session = await database.ReadAsync(connection => SecurityStore.FindSessionAsync(connection, sessionId, cancellationToken), cancellationToken);
        var now = timeProvider.GetUtcNow();
        if (session is null || session.Revoked is not null || Time(session.Expires) <= now)
        {
            return null;
        }

        var caller = await FindWorkingKeyAsync(session.KeyId, cancellationToken);
        if (caller is not null && now - Time(session.LastSeen) > TimeSpan.FromMinutes(1))
        {
            await database.WriteAsync(scope => SecurityStore.TouchSessionAsync(scope, sessionId, now, now + SessionLifetime, cancellationToken), cancellationToken);
        }

        return caller;
    }

    /// <summary>Every web UI session kept, oldest first: working ones and those ended within the last week.</summary>
    public async Task<IReadOnlyList<Contracts.Security.UiSession>> ListSessionsAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return (await database.ReadAsync(connection => SecurityStore.ListSessionsAsync(connection, now, cancellationToken), cancellationToken))
            .Select(row => row.ToContract(now)).ToList();
    }

    /// <summary>Ends a web UI session at once (an admin's revocation, or its own sign-out); 404 for an unknown id.</summary>
    public async Task RevokeSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (await database.WriteAsync(scope => SecurityStore.RevokeSessionAsync(scope, sessionId, now, cancellationToken), cancellationToken) == 0)
        {
            throw new NotFoundException($"Web UI session {sessionId} does not exist (ended sessions are forgotten after a week). List them with `bosun session ls`.");
        }
    }

    private async Task<BosunCaller?> WorkingKeyAsync(ApiKeyRow? row, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (row is null || row.Revoked || (row.Expires is { } expires && Time(expires) <= now))
        {
            return null;
        }

        if (row.LastUsed is not { } used || now - Time(used) > TimeSpan.FromMinutes(1))
        {
            await database.WriteAsync(scope => SecurityStore.TouchKeyAsync(scope, row.Id, now, cancellationToken), cancellationToken);
        }

        return new BosunCaller(row.Name, row.ParsedRole, KeyId: row.Id, Pools: row.PoolList);
    }

    public async Task<ApiKeyCreated> CreateKeyAsync(ApiKeyCreate request, CancellationToken cancellationToken) =>
        (await MakeKeyAsync(request, null, null, cancellationToken)).Key;

    /// <summary>
    /// Creates a key. With a <paramref name="requestKey"/>, the key's id and secret are made from it and its
    /// <paramref name="caller"/> (the secret by <see cref="ServerKey.ApiKeySecret"/>): the create sent again after a lost
    /// answer answers the same key and secret, <c>Created</c> false, and makes no other. Another caller's key of the same
    /// value is another request.
    /// </summary>
    public async Task<(ApiKeyCreated Key, bool Created)> CreateKeyAsync(ApiKeyCreate request, string? requestKey, BosunCaller caller, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        if (requestKey is null)
        {
            return await MakeKeyAsync(request, null, null, cancellationToken);
        }

        var scoped = $"{caller.KeyId?.ToString() ?? caller.Name}\n{requestKey}";
        return await MakeKeyAsync(request, null, (requestKey, RequestKeyIds.Of(scoped), key.ApiKeySecret(scoped)), cancellationToken);
    }

    /// <summary>
    /// Creates a key after <paramref name="precondition"/>, which may refuse, ran in the same write transaction; with
    /// <paramref name="keyed"/>, the key of that id and secret, or the one an earlier attempt made.
    /// </summary>
    private async Task<(ApiKeyCreated Key, bool Created)> MakeKeyAsync(ApiKeyCreate request, Func<WriteScope, DateTimeOffset, Task>? precondition,
        (string RequestKey, Guid Id, string Secret)? keyed, CancellationToken cancellationToken)
    {
        var problem = NameRules.Check(request.Name, "API key");
        if (problem is not null)
        {
            throw new ValidationException("name", [problem]);
        }

        if (request.ExpiresInDays is <= 0)
        {
            throw new ValidationException("expires_in_days", ["must be 1 or more, or null for a key that does not expire"]);
        }

        if (request.Pools is { } pools)
        {
            if (request.Role != ApiKeyRole.Worker || pools.Count == 0)
            {
                throw new ValidationException("pools", ["only a worker key serves named pools, and it names at least one; leave pools out for every pool"]);
            }

            if (pools.Select(pool => NameRules.Check(pool, "Work pool")).OfType<string>().FirstOrDefault() is { } badPool)
            {
                throw new ValidationException("pools", [badPool]);
            }
        }

        var now = timeProvider.GetUtcNow();
        var (row, secret, created) = await database.WriteAsync(async scope =>
        {
            if (keyed is { } made && await SecurityStore.FindKeyByIdAsync(scope.Connection, made.Id, scope.Transaction, cancellationToken) is { } earlier)
            {
                return earlier.Name == request.Name && earlier.ParsedRole == request.Role && earlier.Hash == ApiKeySecrets.Hash(made.Secret)
                    ? (earlier, made.Secret, false)
                    : throw RequestKeyIds.UsedElsewhere(made.RequestKey, $"API key '{earlier.Name}'");
            }

            if (precondition is not null)
            {
                await precondition(scope, now);
            }

            var (inserted, newSecret) = await InsertKeyAsync(scope, request, now, keyed is { } given ? (given.Id, given.Secret) : null, cancellationToken);
            return (inserted, newSecret, true);
        }, cancellationToken);
        _authState = (true, now);
        return (new ApiKeyCreated(row.ToContract(), secret), created);
    }

    /// <summary>How long a bootstrap token works, unless an admin key is created first.</summary>
    public static readonly TimeSpan BootstrapTokenLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// A one-time token that creates the first admin key through the API (<see cref="BootstrapAsync"/>), when no admin key
    /// works now; null when one does. Only its hash is stored; each call (each server start) makes a new one.
    /// </summary>
    public async Task<string?> IssueBootstrapTokenAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var token = ApiKeySecrets.NewBootstrapToken();
        return await database.WriteAsync(async scope =>
        {
            if (await SecurityStore.AnyActiveAdminKeyAsync(scope, now, cancellationToken))
            {
                return null;
            }

            await SecurityStore.InsertBootstrapTokenAsync(scope, ApiKeySecrets.Hash(token), now, now + BootstrapTokenLifetime, cancellationToken);
            return token;
        }, cancellationToken);
    }

    /// <summary>
    /// The first admin key, for a valid bootstrap token, while no admin key works: the token and every other one are used
    /// up with it. Refused (409) once an admin key exists, and (403) for a token that is wrong, used or expired.
    /// </summary>
    public async Task<ApiKeyCreated> BootstrapAsync(ApiKeyBootstrap request, CancellationToken cancellationToken)
    {
        var (created, _) = await MakeKeyAsync(new ApiKeyCreate(request.Name, ApiKeyRole.Admin, request.ExpiresInDays), async (scope, now) =>
        {
            if (await SecurityStore.AnyActiveAdminKeyAsync(scope, now, cancellationToken))
            {
                throw new ConflictException("An admin API key exists: the bootstrap route is closed. Ask an admin for a key (`bosun api-key create`).");
            }

            if (string.IsNullOrEmpty(request.Token) || !await SecurityStore.ConsumeBootstrapTokenAsync(scope, ApiKeySecrets.Hash(request.Token), now, cancellationToken))
            {
                throw new ForbiddenException(
                    "The bootstrap token is not valid: it is wrong, used or expired. Restart the server to get a new one (it prints it, and writes it to the bootstrap-token file beside its key file).");
            }
        }, null, cancellationToken);
        return created;
    }

    private static async Task<(ApiKeyRow Row, string Key)> InsertKeyAsync(WriteScope scope, ApiKeyCreate request, DateTimeOffset now, (Guid Id, string Secret)? keyed,
        CancellationToken cancellationToken)
    {
        var secret = keyed?.Secret ?? ApiKeySecrets.NewKey();
        var row = new ApiKeyRow
        {
            Id = keyed?.Id ?? Guid.NewGuid(),
            Name = request.Name,
            Role = request.Role.ToString().ToLowerInvariant(),
            Prefix = secret[..14],
            Hash = ApiKeySecrets.Hash(secret),
            Expires = request.ExpiresInDays is { } days ? Ms(now.AddDays(days)) : null,
            Created = Ms(now),
            Pools = request.Pools is { } pools ? Tags(pools.Distinct(StringComparer.Ordinal).ToList()) : null,
        };
        await SecurityStore.InsertKeyAsync(scope, row, cancellationToken);
        return (row, secret);
    }

    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken) =>
        (await database.ReadAsync(connection => SecurityStore.ListKeysAsync(connection, cancellationToken), cancellationToken)).Select(row => row.ToContract()).ToList();

    public async Task RevokeKeyAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (await database.WriteAsync(async scope =>
            {
                var revoked = await SecurityStore.RevokeKeyAsync(scope, id, cancellationToken);
                // Its sessions end with it (they would be refused anyway: each is checked against its key); the list says so.
                await SecurityStore.RevokeSessionsOfKeyAsync(scope, id, now, cancellationToken);
                return revoked;
            }, cancellationToken) == 0)
        {
            throw new NotFoundException($"API key {id} does not exist. List keys with `bosun api-key ls`.");
        }

        _authState = (_authState.Enabled, DateTimeOffset.MinValue);
    }

    public async Task SetSecretAsync(string name, SecretValue value, CancellationToken cancellationToken)
    {
        if (!SecretName().IsMatch(name))
        {
            throw new ValidationException("name", [$"'{name}' is not a secret name: use 1 to 100 letters, digits, '-', '_' or '.'"]);
        }

        if (value.Value is null or { Length: 0 } || value.Value.Length > 64 * 1024)
        {
            throw new ValidationException("value", ["must be 1 to 65,536 characters"]);
        }

        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await SecurityStore.UpsertSecretAsync(scope, name, key.Encrypt(value.Value), now, cancellationToken);
            return 0;
        }, cancellationToken);
        redactor.Invalidate();
    }

    public async Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken) =>
        (await database.ReadAsync(connection => SecurityStore.ListSecretsAsync(connection, cancellationToken), cancellationToken))
            .Select(row => new SecretInfo(row.Name, Time(row.Created), Time(row.Updated))).ToList();

    public async Task DeleteSecretAsync(string name, CancellationToken cancellationToken)
    {
        if (await database.WriteAsync(scope => SecurityStore.DeleteSecretAsync(scope, name, cancellationToken), cancellationToken) == 0)
        {
            throw new NotFoundException($"Secret '{name}' does not exist. List secrets with `bosun secret ls`.");
        }

        redactor.Invalidate();
    }

    /// <summary>A secret's value, for the server's own use (an automation's notification channel); null when there is no such secret.</summary>
    public async Task<string?> SecretValueAsync(string name, CancellationToken cancellationToken)
    {
        var secrets = await database.ReadAsync(connection => SecurityStore.ListSecretsAsync(connection, cancellationToken), cancellationToken);
        return secrets.FirstOrDefault(secret => secret.Name == name) is { Ciphertext: { } ciphertext } ? key.Decrypt(ciphertext) : null;
    }

    /// <summary>Values of the secrets a run's job refers to; only for a run a worker has claimed and not finished, of a pool <paramref name="caller"/> serves.</summary>
    public async Task<Dictionary<string, string>> ResolveAsync(SecretResolveRequest request, BosunCaller caller, CancellationToken cancellationToken)
    {
        var (run, secrets) = await database.ReadAsync(async connection =>
            (await FlowRunStore.GetAsync(connection, request.FlowRunId, cancellationToken: cancellationToken), await SecurityStore.ListSecretsAsync(connection, cancellationToken)), cancellationToken);
        if (run is null)
        {
            throw FlowRunService.NotFound(request.FlowRunId);
        }

        if (!caller.Serves(run.WorkPoolName))
        {
            throw new ForbiddenException($"The key '{caller.Name}' serves the pools {string.Join(", ", caller.Pools!)}; flow run {run.Id} is not on one of them.");
        }

        if (run.State.Type is not (StateType.Pending or StateType.Running) || run.WorkerName is null)
        {
            throw new ConflictException($"Flow run {run.Id} is {run.State.Type.ToWireName()}: secrets are resolved only for a run a worker has claimed and is starting.");
        }

        var byName = secrets.ToDictionary(s => s.Name, s => s.Ciphertext, StringComparer.Ordinal);
        var missing = request.Names.Where(name => !byName.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            throw new ValidationException("names", [$"no secret named {string.Join(", ", missing.Select(m => $"'{m}'"))}; set it with `bosun secret set NAME`"]);
        }

        return request.Names.Distinct().ToDictionary(name => name, name => key.Decrypt(byName[name]), StringComparer.Ordinal);
    }

    /// <summary>
    /// Values of named secrets for a deploy-time step (bosun.yaml's push step): for developer and admin keys, who can
    /// already have any secret rendered into a run they create (docs/security.md, "Secrets at deploy time"). The route
    /// is audited with the names and reason; a missing name is 422 listing it.
    /// </summary>
    public async Task<Dictionary<string, string>> ReadForDeployAsync(SecretReadRequest request, CancellationToken cancellationToken)
    {
        var names = request.Names ?? [];
        if (names.Count is 0 or > 20)
        {
            throw new ValidationException("names", ["name 1 to 20 secrets"]);
        }

        var secrets = await database.ReadAsync(connection => SecurityStore.ListSecretsAsync(connection, cancellationToken), cancellationToken);
        var byName = secrets.ToDictionary(s => s.Name, s => s.Ciphertext, StringComparer.Ordinal);
        var missing = names.Where(name => !byName.ContainsKey(name)).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new ValidationException("names", [$"no secret named {string.Join(", ", missing.Select(m => $"'{m}'"))}; set it with `bosun secret set NAME`"]);
        }

        return names.Distinct().ToDictionary(name => name, name => key.Decrypt(byName[name]), StringComparer.Ordinal);
    }

    /// <summary>Whether the run exists, and the pool it is on (null for a served run).</summary>
    public async Task<(bool Exists, string? Pool)> RunPoolAsync(Guid runId, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => FlowRunStore.GetAsync(connection, runId, cancellationToken: cancellationToken), cancellationToken) is { } run
            ? (true, run.WorkPoolName)
            : (false, null);

    /// <summary>Whether the task run exists, and the pool of the flow run it belongs to (null: a served run).</summary>
    public async Task<(bool Exists, string? Pool)> TaskRunPoolAsync(Guid taskRunId, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => TaskRunStore.GetAsync(connection, taskRunId, cancellationToken), cancellationToken) is { } task
            ? await RunPoolAsync(task.FlowRunId, cancellationToken)
            : (false, null);

    /// <summary>Whether <paramref name="runId"/> is in the tree of the run token's run <paramref name="rootId"/> (itself, its subflows and child runs, theirs).</summary>
    public Task<bool> InRunTreeAsync(Guid runId, Guid rootId, CancellationToken cancellationToken) =>
        runId == rootId ? Task.FromResult(true) : database.ReadAsync(connection => FlowRunStore.IsInTreeAsync(connection, runId, rootId, cancellationToken), cancellationToken);

    /// <summary>Whether the task run exists and belongs to a run of the tree of <paramref name="rootId"/>.</summary>
    public async Task<bool> TaskRunInRunTreeAsync(Guid taskRunId, Guid rootId, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => TaskRunStore.GetAsync(connection, taskRunId, cancellationToken), cancellationToken) is { } task
            && await InRunTreeAsync(task.FlowRunId, rootId, cancellationToken);

    public async Task<RunToken> IssueRunTokenAsync(Guid runId, CancellationToken cancellationToken)
    {
        var run = await database.ReadAsync(connection => FlowRunStore.GetAsync(connection, runId, cancellationToken: cancellationToken), cancellationToken)
            ?? throw FlowRunService.NotFound(runId);
        if (!await AuthEnabledAsync(cancellationToken))
        {
            return new RunToken(null, null);
        }

        var (token, expires) = runTokens.Issue(run.Id, run.DeploymentId, options.Value.RunTokenLifetime);
        return new RunToken(token, expires);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex SecretName();
}
