using System.Data.Common;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Tracing;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>Flow runs: creation with validation, reads with the waiting reason, and state changes through the rules.</summary>
internal sealed class FlowRunService(
    BosunDatabase database, ClaimSignal claimSignal, RunSignals runSignals, SecretRedactor redactor, ResultFolder results, HeldProposals heldProposals,
    IOptions<BosunServerOptions> options, ILogger<FlowRunService> logger, TimeProvider timeProvider)
{
    /// <summary>What the create endpoints' descriptions say about their Idempotency-Key header.</summary>
    public const string RequestKeyDescription =
        "A create sent again with the same Idempotency-Key header (1 to 200 characters) is answered with the run its first attempt made (200), and makes no other: a client that lost an answer may send the request again. 409 for a key another request used.";

    public Task<(FlowRun Run, bool Created)> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken) =>
        CreateAsync(deploymentId, request, null, cancellationToken);

    /// <summary>
    /// Creates a run of the deployment. With a <paramref name="requestKey"/> (the request's Idempotency-Key), a create sent
    /// again after its answer was lost is answered with the run its first attempt made (not created), and makes no other.
    /// </summary>
    public async Task<(FlowRun Run, bool Created)> CreateAsync(Guid deploymentId, FlowRunCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        Check(request);
        IdempotencyKeys.Check(requestKey);
        var now = timeProvider.GetUtcNow();
        // The run's trace starts here: the run stores this span as its traceparent (under the API request's span, when one is traced).
        using var activity = ServerTracing.Source.StartActivity("bosun.flow_run.create");
        // Its one write is the run's insert (with its history, outbox and audit rows): on PostgreSQL no transaction around it.
        var (row, created, answer) = await database.WriteOneCommandAsync(async scope =>
        {
            // A run sent to another queue than its deployment's has that queue's facts read for its answer, after the insert.
            var target = await CreateTarget.ReadAsync(scope, deploymentId, request.WorkQueueName is null ? now : null, cancellationToken);
            var (made, inserted) = await InsertAsync(scope, target, request, requestKey, now, cancellationToken);
            // A new run is answered from what this transaction wrote and read (no second connection, no read-back); an
            // idempotent replay's run, made earlier and perhaps changed since, is read as GET reads it.
            return (made, inserted, inserted ? await AnswerAsync(scope, target, request, made, now, cancellationToken) : null);
        }, cancellationToken);
        activity?.SetTag("bosun.flow_run.id", row.Id.ToString());
        if (created)
        {
            claimSignal.Notify(row.WorkPoolId);
        }

        return (answer ?? await GetAsync(row.Id, cancellationToken), created);
    }

    /// <summary>
    /// The answer for a run the create has just inserted, as <see cref="GetAsync"/> would read it once committed: the
    /// names it refers to from the deployment (and the queue) the create read, its waiting reason from what the create read
    /// of the deployment's pool and queue (or read on its connection, for a run sent to another queue),
    /// its secret job variables masked with the pool's template the create read. Without its waiting reason when the
    /// database is lost after the run was written (on PostgreSQL, no transaction undoes it).
    /// </summary>
    private static async Task<FlowRun> AnswerAsync(
        WriteScope scope, CreateTarget target, FlowRunCreate request, FlowRunRow row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deployment = target.Deployment;
        row.FlowName = deployment.FlowName;
        row.DeploymentName = deployment.Name;
        row.WorkPoolName = deployment.WorkPoolName;
        // The queue the request named (InsertAsync found it by that name), or the deployment's.
        row.WorkQueueName = request.WorkQueueName ?? deployment.WorkQueueName;
        string? waitingReason;
        try
        {
            waitingReason = await WaitingReasons.ExplainAsync(scope.Connection, scope.Transaction, row, deployment, target.Delivery, now, cancellationToken);
        }
        catch (Exception e) when (scope.Transaction is null && StoreFaults.IsUnavailable(e))
        {
            // Written with no transaction to roll back (WriteOneCommandAsync): answered without its waiting reason, not with
            // a 503, which says that nothing was changed and would have the client create the run again.
            waitingReason = null;
        }

        var run = row.ToContract(waitingReason);
        return target.Template is { } template ? run with { JobVariables = SecretMask.Apply(run.JobVariables, SecretMask.VariablesOf(template)) } : run;
    }

    /// <summary>
    /// Creates many runs of one deployment in one write transaction: the deployment and its pool's template are read once,
    /// and one refused run refuses them all, its errors named by index (<c>runs[3].parameters</c>).
    /// </summary>
    public async Task<FlowRunBatchCreated> CreateManyAsync(Guid deploymentId, FlowRunBatchCreate batch, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        if (batch.Runs is not { Count: > 0 and <= MaxBatch })
        {
            throw new ValidationException("runs", [$"send 1 to {MaxBatch:N0} runs"]);
        }

        for (var i = 0; i < batch.Runs.Count; i++)
        {
            var index = i;
            Indexed(index, () => Check(batch.Runs[index]));
        }

        var now = timeProvider.GetUtcNow();
        // The batch's runs share this span as their traceparent's parent: one trace per batch.
        using var activity = ServerTracing.Source.StartActivity("bosun.flow_run.create_batch");
        var rows = await database.WriteAsync(async scope =>
        {
            // A batch answers no waiting reasons: no delivery facts.
            var target = await CreateTarget.ReadAsync(scope, deploymentId, null, cancellationToken);
            // Each run of a keyed batch has a key of its own: a batch sent again finds every run the first attempt made.
            string? RunKey(int index) => requestKey is null ? null : $"{requestKey}#{index}";
            var prepared = new List<(FlowRunRow Row, bool New)>(batch.Runs.Count);
            for (var i = 0; i < batch.Runs.Count; i++)
            {
                var index = i;
                prepared.Add(await IndexedAsync(index, () => PrepareAsync(scope, target, batch.Runs[index], RunKey(index), now, cancellationToken)));
            }

            // Every new run in one insert (one round trip on PostgreSQL); those it did not insert were made meanwhile.
            var took = await FlowRunStore.InsertManyAsync(scope, prepared.Where(run => run.New).Select(run => run.Row).ToList(), cancellationToken);
            var made = new List<(FlowRunRow Row, bool Created)>(batch.Runs.Count);
            var next = 0;
            for (var i = 0; i < prepared.Count; i++)
            {
                var (row, isNew) = prepared[i];
                made.Add(!isNew ? (row, false)
                    : took[next++] ? (row, true)
                    : (await NotInsertedAsync(scope, target.Deployment, batch.Runs[i], RunKey(i), cancellationToken), false));
            }

            return made;
        }, cancellationToken);
        if (rows.Any(made => made.Created))
        {
            claimSignal.Notify(rows[0].Row.WorkPoolId);
        }

        return new FlowRunBatchCreated(rows.Select(made => new CreatedFlowRun(made.Row.Id, made.Row.Name, made.Created)).ToList());
    }

    /// <summary>Most runs one batch create takes.</summary>
    public const int MaxBatch = 1000;

    private static void Check(FlowRunCreate request)
    {
        if (request.Retries is < 0 || request.RetryDelaySeconds is < 0)
        {
            throw new ValidationException("retries", ["retries and retry_delay_seconds must be 0 or more"]);
        }

        if (request.TimeoutSeconds is <= 0)
        {
            throw new ValidationException("timeout_seconds", ["must be more than 0, or null for the deployment's timeout"]);
        }

        if (request.StartTimeoutSeconds is <= 0)
        {
            throw new ValidationException("start_timeout_seconds", ["must be more than 0, or null for the deployment's start timeout"]);
        }

        if (request.IdempotencyKey is { Length: > 500 })
        {
            throw new ValidationException("idempotency_key", ["must be at most 500 characters"]);
        }
    }

    private static void Indexed(int index, Action check)
    {
        try
        {
            check();
        }
        catch (ValidationException e)
        {
            throw AtIndex(index, e);
        }
    }

    private static async Task<T> IndexedAsync<T>(int index, Func<Task<T>> insert)
    {
        try
        {
            return await insert();
        }
        catch (ValidationException e)
        {
            throw AtIndex(index, e);
        }
    }

    private static ValidationException AtIndex(int index, ValidationException e)
    {
        if (e.Errors is null)
        {
            return new ValidationException($"runs[{index}]: {e.Message}");
        }

        var errors = e.Errors.ToDictionary(field => $"runs[{index}].{field.Key}", field => field.Value);
        return new ValidationException(string.Join("; ", errors.Select(field => $"{field.Key}: {string.Join("; ", field.Value)}")), errors);
    }

    /// <summary>
    /// What every run of a deployment is created against: the deployment, and its pool's template and policy; and, as read
    /// with them, what decides whether a run of the deployment's own pool and queue can be delivered (for the answer's
    /// waiting reason).
    /// </summary>
    private sealed record CreateTarget(DeploymentRow Deployment, JsonObject? Template, string? Policy, DeliveryFacts? Delivery)
    {
        /// <summary>The deployment, its pool's template and policy, and, with <paramref name="deliveryAt"/>, the delivery facts at that time.</summary>
        public static async Task<CreateTarget> ReadAsync(WriteScope scope, Guid deploymentId, DateTimeOffset? deliveryAt, CancellationToken cancellationToken)
        {
            var (deployment, templateText, policy, delivery) = await DeploymentStore.GetWithPoolTemplateAsync(scope, deploymentId, deliveryAt, cancellationToken);
            return deployment is null ? throw new NotFoundException($"Deployment {deploymentId} does not exist.")
                : deployment.WorkPoolId is null ? new CreateTarget(deployment, null, null, null)
                : new CreateTarget(deployment, Object(templateText!), policy, delivery);
        }
    }

    /// <summary>
    /// Validates one run against its deployment and inserts it; an idempotency key already used returns that run instead,
    /// as does a request key already used (the same create sent again): the run's id is made from it (RequestKeyIds), so
    /// the insert meets the first attempt's run, and no read looks for it before.
    /// </summary>
    private static async Task<(FlowRunRow Row, bool Created)> InsertAsync(
        WriteScope scope, CreateTarget target, FlowRunCreate request, string? requestKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (row, isNew) = await PrepareAsync(scope, target, request, requestKey, now, cancellationToken);
        return !isNew ? (row, false)
            : await FlowRunStore.InsertAsync(scope, row, cancellationToken) ? (row, true)
            : (await NotInsertedAsync(scope, target.Deployment, request, requestKey, cancellationToken), false);
    }

    /// <summary>
    /// Validates one run against its deployment: the row to insert (<c>New</c>), or the run its idempotency key already made.
    /// </summary>
    private static async Task<(FlowRunRow Row, bool New)> PrepareAsync(
        WriteScope scope, CreateTarget target, FlowRunCreate request, string? requestKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deployment = target.Deployment;
        if (request.IdempotencyKey is { } key &&
            await FlowRunStore.FindByIdempotencyKeyAsync(scope, deployment.FlowId, key, cancellationToken) is { } existing)
        {
            return (existing, false);
        }

        var parameters = Object(deployment.Parameters);
        foreach (var (name, value) in request.Parameters ?? [])
        {
            parameters[name] = value?.DeepClone();
        }

        ParameterValidator.Validate(deployment.ParameterSchema, parameters, enforceRequired: true);
        var queueId = deployment.WorkQueueId;
        var jobVariables = request.JobVariables;
        if (deployment.WorkPoolId is { } poolId)
        {
            // A secret sent back masked (copied from an answer) is no override: the deployment's value applies.
            jobVariables = SecretMask.Restore(jobVariables, null, SecretMask.VariablesOf(target.Template!));
            JobTemplateValidator.ValidateJobVariables(target.Template!, Object(deployment.JobVariables), jobVariables, enforceRequired: true, "job_variables");
            PolicyEnforcement.Enforce(target.Policy, target.Template!, Object(deployment.JobVariables), jobVariables, deployment.PolicyExemptions);
            if (request.WorkQueueName is { } queueName)
            {
                var queue = await WorkPoolStore.GetQueueAsync(scope.Connection, poolId, queueName, scope.Transaction, cancellationToken)
                    ?? throw new NotFoundException($"Work pool '{deployment.WorkPoolName}' has no queue named '{queueName}'.");
                queueId = queue.Id;
            }
        }
        else if (request.JobVariables is { Count: > 0 } || request.WorkQueueName is not null)
        {
            throw new ValidationException("job_variables",
                [$"deployment '{deployment.FlowName}/{deployment.Name}' is served, not on a work pool: it takes no job variables or work queue"]);
        }

        var row = FlowRunStore.NewScheduledRun(deployment, parameters, jobVariables, request.Tags ?? [], request.ScheduledStartTime ?? now, now,
            request.Name, request.IdempotencyKey, request.Retries, request.RetryDelaySeconds, queueId, timeoutSeconds: request.TimeoutSeconds,
            startTimeoutSeconds: request.StartTimeoutSeconds, startTimeoutAction: request.StartTimeoutAction);
        if (requestKey is not null)
        {
            row.Id = RequestKeyIds.Of(requestKey);
        }

        if (request.ParentFlowRunId is { } parentId)
        {
            row.ParentFlowRunId = await FlowRunStore.GetAsync(scope.Connection, parentId, scope.Transaction, cancellationToken) is not null
                ? parentId
                : throw new ValidationException("parent_flow_run_id", [$"flow run {parentId} does not exist"]);
        }

        return (row, true);
    }

    /// <summary>
    /// The run that kept <paramref name="request"/>'s from being inserted: the same create sent again, or the same
    /// idempotency key used by a request that committed meanwhile (another replica, or an earlier run of the same batch).
    /// </summary>
    private static async Task<FlowRunRow> NotInsertedAsync(
        WriteScope scope, DeploymentRow deployment, FlowRunCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        var earlier = await ExistingAsync(scope, requestKey, run => run.DeploymentId == deployment.Id, cancellationToken);
        if (earlier is null && request.IdempotencyKey is { } idempotencyKey)
        {
            earlier = await FlowRunStore.FindByIdempotencyKeyAsync(scope, deployment.FlowId, idempotencyKey, cancellationToken);
        }

        return earlier ?? throw new ConflictException("The run's creation conflicted with a run written meanwhile: send the request again.");
    }

    /// <summary>
    /// The run an earlier attempt of this request made, found by the id its <paramref name="requestKey"/> gives; a 409 when
    /// that key made a run of another request (<paramref name="sameRequest"/> false: another deployment or parent); null
    /// without a key.
    /// </summary>
    private static async Task<FlowRunRow?> ExistingAsync(WriteScope scope, string? requestKey, Func<FlowRunRow, bool> sameRequest, CancellationToken cancellationToken)
    {
        if (requestKey is null || await FlowRunStore.GetAsync(scope.Connection, RequestKeyIds.Of(requestKey), scope.Transaction, cancellationToken) is not { } earlier)
        {
            return null;
        }

        return sameRequest(earlier) ? earlier
            : throw RequestKeyIds.UsedElsewhere(requestKey, $"flow run {earlier.Id}");
    }

    /// <summary>
    /// A run of the deployment <c>flow/deployment</c> started by a running flow (RunDeploymentAsync): created as any run of
    /// it, linked to the parent. 404 for an unknown parent or deployment, 409 when the parent has ended.
    /// </summary>
    public async Task<(FlowRun Run, bool Created)> CreateDeploymentChildAsync(Guid parentId, DeploymentRunCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        var address = request.Deployment ?? "";
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == address.Length - 1)
        {
            throw new ValidationException("deployment", ["must be the deployment's address, flow-name/deployment-name"]);
        }

        var deploymentId = await database.ReadAsync(async connection =>
        {
            var parent = await FlowRunStore.GetAsync(connection, parentId, cancellationToken: cancellationToken) ?? throw NotFound(parentId);
            if (parent.State.Type.IsTerminal())
            {
                throw new ConflictException($"Flow run {parentId} is {parent.State.Type.ToWireName()}: only a run that has not ended can start a deployment run.");
            }

            return (await DeploymentStore.GetByNameAsync(connection, address[..slash], address[(slash + 1)..], cancellationToken: cancellationToken))?.Id
                ?? throw new NotFoundException($"Deployment '{address}' does not exist. List deployments with `bosun deployment ls`.");
        }, cancellationToken);
        return await CreateAsync(deploymentId, new FlowRunCreate(request.Parameters, ParentFlowRunId: parentId), requestKey, cancellationToken);
    }

    /// <summary>
    /// A subflow's run, linked to its running parent, PENDING for the parent's process to run. With a
    /// <paramref name="requestKey"/>, the request sent again is answered with the run its first attempt made (not created).
    /// </summary>
    public async Task<(FlowRun Run, bool Created)> CreateSubflowAsync(Guid parentId, SubflowRunCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        if (NameRules.Check(request.FlowName, "Flow") is { } problem)
        {
            throw new ValidationException("flow_name", [problem]);
        }

        if (request.Name is { Length: > NameRules.MaxLength })
        {
            throw new ValidationException("name", [$"must be at most {NameRules.MaxLength} characters"]);
        }
        var now = timeProvider.GetUtcNow();
        var (id, created) = await database.WriteAsync(async scope =>
        {
            var parent = await FlowRunStore.GetAsync(scope.Connection, parentId, scope.Transaction, cancellationToken) ?? throw NotFound(parentId);
            if (parent.State.Type.IsTerminal())
            {
                throw new ConflictException($"Flow run {parentId} is {parent.State.Type.ToWireName()}: only a run that has not ended can start a subflow.");
            }

            var flowId = await DeploymentStore.EnsureFlowAsync(scope, request.FlowName, now, cancellationToken);
            var row = FlowRunStore.NewSubflowRun(flowId, parentId, request.ParentTaskRunId, request.Parameters ?? [], request.Name, now);
            // A subflow runs in its parent's process: its spans belong to the parent's trace.
            row.Traceparent = parent.Traceparent ?? RunTrace.NewTraceparent();
            if (requestKey is not null)
            {
                row.Id = RequestKeyIds.Of(requestKey);
            }

            if (await FlowRunStore.InsertAsync(scope, row, cancellationToken))
            {
                return (row.Id, true);
            }

            var earlier = await ExistingAsync(scope, requestKey, run => run.ParentFlowRunId == parentId, cancellationToken)
                ?? throw new ConflictException("The subflow run's creation conflicted with a run written meanwhile: send the request again.");
            return (earlier.Id, false);
        }, cancellationToken);
        if (created)
        {
            runSignals.Notify(parentId, RunChange.State);
        }

        return (await GetAsync(id, cancellationToken), created);
    }

    public async Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection =>
        {
            var row = await FlowRunStore.GetAsync(connection, id, cancellationToken: cancellationToken) ?? throw NotFound(id);
            var run = row.ToContract(await WaitingReasons.ExplainAsync(connection, row, now, cancellationToken));
            // Secret job variables are masked in every answer but the claim's (the worker's only source of them).
            return row.WorkPoolId is { } poolId && (await WorkPoolStore.GetBaseJobTemplatesAsync(connection, [poolId], cancellationToken: cancellationToken))
                .TryGetValue(poolId, out var template)
                ? run with { JobVariables = SecretMask.Apply(run.JobVariables, SecretMask.VariablesOf(Object(template))) }
                : run;
        }, cancellationToken);
    }

    public Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken) => ListAsync(filter, null, cancellationToken);

    /// <summary>
    /// The runs matching <paramref name="filter"/> among the runs of <paramref name="servedPools"/> when given (a pool-scoped
    /// worker key's): its pages and counts hold no other pool's run, and a filter naming another pool is refused, as the
    /// pool's own routes are.
    /// </summary>
    public Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, IReadOnlyList<string>? servedPools, CancellationToken cancellationToken)
    {
        if (servedPools is not null && filter.WorkPoolName is { Length: > 0 } pool && !servedPools.Contains(pool, StringComparer.Ordinal))
        {
            throw new ForbiddenException($"This key serves the work pools {string.Join(", ", servedPools)} only; work pool '{pool}' is not on one of them.");
        }

        return database.ReadAsync(connection => FlowRunStore.ListAsync(connection, filter, servedPools, options.Value.ListCountLimit, cancellationToken), cancellationToken);
    }

    public async Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            await EnsureExistsAsync(connection, id, cancellationToken);
            return await FlowRunStore.HistoryAsync(connection, id, cancellationToken);
        }, cancellationToken);

    public async Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken)
    {
        proposal = await CheckedAsync(proposal, "message", cancellationToken);
        var now = timeProvider.GetUtcNow();
        var outcome = await FlowRunStore.SetStateAsync(database, id, proposal, now, cancellationToken) ?? throw NotFound(id);
        for (var held = 0; outcome.Result is { Status: SetStateStatus.Wait, RetryAfterSeconds: { } retryAfter } && retryAfter <= options.Value.DueHold.TotalSeconds && held < 5; held++)
        {
            // A RUNNING proposal made a moment before the run's due time is answered at the due time: the flow starts on
            // time, without a second round trip after a WAIT (FlowRunHost proposes 100 ms ahead; BosunServerOptions.DueHold),
            // decided with every other proposal due at the same time.
            (var decided, now) = await heldProposals.DecideAtAsync(id, proposal, now + TimeSpan.FromSeconds(retryAfter), cancellationToken);
            outcome = decided ?? throw NotFound(id);
        }

        await AnnounceAsync(id, proposal, outcome, now, cancellationToken);
        return outcome.Result;
    }

    /// <summary>Most proposals in one <see cref="SetStatesAsync"/> request.</summary>
    public const int MaxStateBatch = 100;

    /// <summary>
    /// Many runs' proposals in one write transaction, each decided as <see cref="SetStateAsync"/> decides it (a WAIT is
    /// answered at once, without the due-time hold) and answered in the order sent. A run token may propose for the runs of
    /// its tree only, a pool-scoped key for the runs of its pools: a proposal for any other run refuses the whole batch.
    /// </summary>
    public async Task<FlowRunStateBatchResult> SetStatesAsync(FlowRunStateBatch batch, BosunCaller caller, CancellationToken cancellationToken)
    {
        var states = await CheckStatesAsync(batch.Proposals, "proposals", caller, cancellationToken);
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await states.DecideAsync(scope, now, cancellationToken);
            return 0;
        }, cancellationToken);
        return new FlowRunStateBatchResult(await states.AnnounceAsync(now, cancellationToken));
    }

    /// <summary>
    /// Checks a batch of proposals (count, messages, the caller's reach; errors name <paramref name="field"/>) for a write
    /// that decides them: <see cref="SetStatesAsync"/>'s own, or a served claim's that carries them.
    /// </summary>
    public async Task<StateBatch> CheckStatesAsync(IReadOnlyList<FlowRunStateProposal>? proposals, string field, BosunCaller caller, CancellationToken cancellationToken)
    {
        if (proposals is null)
        {
            throw new ValidationException(field, ["is required"]);
        }

        if (proposals.Count is 0 or > MaxStateBatch)
        {
            throw new ValidationException(field, [$"1 to {MaxStateBatch} proposals per request; this one has {proposals.Count}"]);
        }

        var checkedProposals = new FlowRunStateProposal[proposals.Count];
        for (var i = 0; i < proposals.Count; i++)
        {
            var proposal = proposals[i]?.Proposal ?? throw new ValidationException($"{field}[{i}].proposal", ["is required"]);
            checkedProposals[i] = new FlowRunStateProposal(proposals[i].FlowRunId, await CheckedAsync(proposal, $"{field}[{i}].proposal.message", cancellationToken));
        }

        await EnsureCallerReachesAsync(checkedProposals.Select(p => p.FlowRunId).Distinct().ToList(), caller, cancellationToken);
        return new StateBatch(this, checkedProposals);
    }

    /// <summary>Checked proposals of many runs: decided in a write transaction, then announced and answered in the order sent.</summary>
    internal sealed class StateBatch(FlowRunService service, FlowRunStateProposal[] proposals)
    {
        private TransitionOutcome?[] _outcomes = new TransitionOutcome?[proposals.Length];

        /// <summary>
        /// Decides every proposal in <paramref name="scope"/> (<see cref="FlowRunStore.TryTransitionAllAsync"/>). A write that is
        /// tried again decides them again.
        /// </summary>
        public async Task DecideAsync(WriteScope scope, DateTimeOffset now, CancellationToken cancellationToken) =>
            _outcomes = await FlowRunStore.TryTransitionAllAsync(scope, proposals, now, cancellationToken);

        /// <summary>Once the write is committed: what follows each decision, and the answers in the order sent.</summary>
        public async Task<IReadOnlyList<FlowRunSetStateResult>> AnnounceAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            var results = new FlowRunSetStateResult[proposals.Length];
            for (var i = 0; i < proposals.Length; i++)
            {
                var id = proposals[i].FlowRunId;
                if (_outcomes[i] is not { } outcome)
                {
                    results[i] = new FlowRunSetStateResult(id, null, $"flow run {id} does not exist");
                    continue;
                }

                await service.AnnounceAsync(id, proposals[i].Proposal, outcome, now, cancellationToken);
                results[i] = new FlowRunSetStateResult(id, outcome.Result);
            }

            return results;
        }
    }

    /// <summary>
    /// A proposal's message within its limit (else a 422 naming <paramref name="field"/>), with secrets masked: a flow that
    /// fails with a secret in its exception message must not publish it through its state.
    /// </summary>
    private async Task<StateProposal> CheckedAsync(StateProposal proposal, string field, CancellationToken cancellationToken)
    {
        if (proposal.Message is { Length: > 10_000 })
        {
            throw new ValidationException(field, ["must be at most 10,000 characters"]);
        }

        return proposal.Message is { } message ? proposal with { Message = (await redactor.RedactorAsync(cancellationToken))(message) } : proposal;
    }

    /// <summary>What follows a decided proposal: its trace event, the claims it frees, the run's page and log followers, and a cancellation's children.</summary>
    private async Task AnnounceAsync(Guid id, StateProposal proposal, TransitionOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ServerTracing.RecordStateChange(outcome.Run.Traceparent, now, id, proposal.Type, outcome.Result.Status, outcome.Result.State);
        if (outcome.WakesClaims)
        {
            claimSignal.NotifyFor(outcome.Run);
        }

        if (outcome.Result.Status is SetStateStatus.Accept or SetStateStatus.Reject)
        {
            // The run's page shows its new state, and its log followers stop once the run is over. (A rejection may have
            // written another state: a cancelled run that had not started is CANCELLED at once.)
            runSignals.Notify(id, RunChange.State);
            if (outcome.Result.State.Type is StateType.Cancelling or StateType.Cancelled && proposal.Type is StateType.Cancelling or StateType.Cancelled)
            {
                await CancelChildrenAsync(id, outcome.Result.State.Type == StateType.Cancelled, cancellationToken);
            }
        }
    }

    /// <summary>Refuses a batch that names a run the caller may not report on: outside a run token's tree, or a pool-scoped key's pools.</summary>
    private async Task EnsureCallerReachesAsync(IReadOnlyList<Guid> runIds, BosunCaller caller, CancellationToken cancellationToken)
    {
        if (caller.RunId is { } ownRun && runIds.Any(id => id != ownRun)
            && await database.ReadAsync(connection => FlowRunStore.FirstOutsideTreeAsync(connection, runIds, ownRun, cancellationToken), cancellationToken) is { } outside)
        {
            throw new ForbiddenException($"A token for flow run {ownRun} may propose the states of that run and of its subflows and child runs only; flow run {outside} is not one of them.");
        }

        if (caller.Pools is null)
        {
            return;
        }

        var unserved = await database.ReadAsync(async connection =>
        {
            foreach (var id in runIds)
            {
                if (await FlowRunStore.GetAsync(connection, id, cancellationToken: cancellationToken) is { } run && !caller.Serves(run.WorkPoolName))
                {
                    return BosunCaller.RunTarget(id, run.WorkPoolName);
                }
            }

            return null;
        }, cancellationToken);
        if (unserved is not null)
        {
            throw new ForbiddenException(caller.NotServing(unserved));
        }
    }

    public Task<SetStateResult> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        SetStateAsync(id, new StateProposal(StateType.Cancelling, Message: "cancellation requested"), cancellationToken);

    /// <summary>
    /// A cancelled run's subflows and the deployment runs it started are cancelled with it (and theirs, in turn). Once the
    /// parent is CANCELLED its process has stopped, and with it the subflows it ran: they are CANCELLED too, while a
    /// deployment run is left to its own worker.
    /// </summary>
    private async Task CancelChildrenAsync(Guid parentId, bool parentStopped, CancellationToken cancellationToken)
    {
        var children = await database.ReadAsync(connection => FlowRunStore.UnfinishedChildrenAsync(connection, parentId, cancellationToken), cancellationToken);
        foreach (var (child, deploymentId) in children)
        {
            var type = parentStopped && deploymentId is null ? StateType.Cancelled : StateType.Cancelling;
            await SetStateAsync(child, new StateProposal(type, Message: $"cancelled with its parent run {parentId}"), cancellationToken);
        }
    }

    /// <summary>
    /// RUNNING → PAUSED for the run's own flow, recording the input it asks for. Answered like any proposal: a run that is
    /// not RUNNING gets ABORT (and nothing is recorded).
    /// </summary>
    public async Task<SetStateResult> PauseAsync(Guid id, FlowRunPause pause, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        ParameterValidator.ValidateSchema(pause.InputSchema, "input_schema");
        if (pause.TimeoutSeconds is <= 0 or > 31_536_000)
        {
            throw new ValidationException("timeout_seconds", ["must be more than 0 and at most a year (31,536,000)"]);
        }

        if (pause.Key is { Length: 0 or > MaxSuspendKeyLength })
        {
            throw new ValidationException("key", [$"must be 1 to {MaxSuspendKeyLength} characters"]);
        }

        var now = timeProvider.GetUtcNow();
        var timeout = pause.TimeoutSeconds is { } seconds ? now.AddSeconds(seconds) : (DateTimeOffset?)null;
        var message = (pause.Suspend, pause.InputSchema) switch
        {
            (true, null) => "suspended: its process exits, and a resume starts it again",
            (true, _) => "suspended: its process exits, and a resume with input starts it again",
            (false, null) => "paused: waiting for a resume",
            _ => "paused: waiting for input",
        };
        var name = pause.Suspend ? StateNames.Suspended : null;
        var result = await database.WriteAsync(async scope =>
        {
            // Keyed, the PAUSED state's id is made from the run and the key: the pause sent again is a proposal sent again
            // with its transition id (ACCEPT while the run is still in that state).
            var proposal = new StateProposal(StateType.Paused, name, Message: timeout is null ? message : $"{message} until {timeout:O}",
                TransitionId: requestKey is null ? null : RequestKeyIds.Of($"{id:N} pause {requestKey}"));
            var outcome = await FlowRunStore.TryTransitionAsync(scope, id, proposal, now, expectedType: StateType.Running, cancellationToken: cancellationToken)
                ?? throw NotFound(id);
            if (outcome.Result.Status == SetStateStatus.Accept)
            {
                await FlowRunStore.SetPauseAsync(scope, id, pause.InputSchema, timeout, pause.Suspend ? pause.Key ?? "suspend" : null, cancellationToken);
            }

            return outcome.Result;
        }, cancellationToken);
        runSignals.Notify(id, RunChange.State);
        return result;
    }

    /// <summary>Longest key of a suspension (<see cref="FlowRunPause.Key"/>).</summary>
    public const int MaxSuspendKeyLength = 200;

    /// <summary>
    /// PAUSED → RUNNING with the input the pause asked for; a suspended run (its process gone) → SCHEDULED "Resuming", to
    /// be started again by a worker, its input kept under the suspension's key, validated against its schema (422 otherwise); 409 unless PAUSED.
    /// With its limits full the run stays PAUSED, waiting for a slot with its input kept (<see cref="PausedRunService.TakeSlotAsync"/>).
    /// </summary>
    public Task<FlowRun> ResumeAsync(Guid id, FlowRunResume resume, CancellationToken cancellationToken) => ResumeAsync(id, resume, null, cancellationToken);

    /// <summary>
    /// As <see cref="ResumeAsync(Guid, FlowRunResume, CancellationToken)"/>; with a <paramref name="requestKey"/>, the state
    /// the resume writes has an id made from it, and the resume sent again (a lost answer) finds it in the run's history and
    /// answers the run as it is now instead of a 409 for a run no longer PAUSED.
    /// </summary>
    public async Task<FlowRun> ResumeAsync(Guid id, FlowRunResume resume, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        var transitionId = requestKey is null ? (Guid?)null : RequestKeyIds.Of($"{id:N} resume {requestKey}");
        var now = timeProvider.GetUtcNow();
        var woken = await database.WriteAsync<FlowRunRow?>(async scope =>
        {
            var row = await FlowRunStore.GetAsync(scope.Connection, id, scope.Transaction, cancellationToken) ?? throw NotFound(id);
            if (transitionId is { } resumed && await FlowRunStore.HasStateAsync(scope, id, resumed, cancellationToken))
            {
                return null;
            }

            if (row.State.Type != StateType.Paused)
            {
                throw new ConflictException($"Flow run {id} is {row.State.Type.ToWireName()}: only a PAUSED run can be resumed.");
            }

            if (row.State.Name == StateNames.AwaitingConcurrencySlot)
            {
                throw new ConflictException($"Flow run {id} was resumed already and is waiting for a concurrency slot.");
            }

            if (ObjectOrNull(row.PauseInputSchema) is { } schema && JsonSchemaValidator.TryBuild(schema, out var built, out _)
                && JsonSchemaValidator.Validate(built!, resume.Input ?? []) is { Count: > 0 } problems)
            {
                throw new ValidationException("input", problems);
            }

            if (row.State.Name == StateNames.Suspended)
            {
                // Its process is gone: the run is scheduled again, and a worker starts it on fresh infrastructure (under the
                // limits a claim counts); the re-run flow finds this input under the suspension's key.
                var rescheduled = await FlowRunStore.TransitionAsync(scope, row, new StateProposal(StateType.Scheduled, StateNames.Resuming,
                    "resumed from its suspension: it runs again from the start, its completed task runs answered from their results", ScheduledTime: now,
                    TransitionId: transitionId), now, expectedType: StateType.Paused, cancellationToken: cancellationToken);
                if (rescheduled.Result.Status != SetStateStatus.Accept)
                {
                    throw new ConflictException($"Flow run {id} was not resumed: {rescheduled.Result.Reason}");
                }

                var inputs = ObjectOrNull(row.SuspendInputs) ?? [];
                inputs[row.PauseKey ?? "suspend"] = resume.Input?.DeepClone() ?? new JsonObject();
                await FlowRunStore.SetSuspendInputsAsync(scope, id, resume.Input, inputs, cancellationToken);
                return rescheduled.Run;
            }

            var outcome = await PausedRunService.TakeSlotAsync(scope, row, now, transitionId, cancellationToken);
            if (outcome.Result.Status != SetStateStatus.Accept)
            {
                throw new ConflictException($"Flow run {id} was not resumed: {outcome.Result.Reason}");
            }

            await FlowRunStore.SetResumeInputAsync(scope, id, resume.Input, cancellationToken);
            return null;
        }, cancellationToken);
        if (woken is not null)
        {
            claimSignal.NotifyFor(woken);
        }

        runSignals.Notify(id, RunChange.State);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<FlowRun> SetInfrastructureAsync(Guid id, InfrastructureUpdate update, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(update.InfrastructureId) || update.InfrastructureId.Length > 500)
        {
            throw new ValidationException("infrastructure_id", ["must be 1 to 500 characters"]);
        }

        var changed = await database.WriteAsync(scope => FlowRunStore.SetInfrastructureAsync(scope, id, update.InfrastructureId, timeProvider.GetUtcNow(), cancellationToken), cancellationToken);
        return changed == 0 ? throw NotFound(id) : await GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// What keeps a PENDING run's infrastructure from starting, from the worker that holds it (or adopted it); 409 once the
    /// run has moved on, or when the worker is neither.
    /// </summary>
    public async Task SetInfrastructureWaitingReasonAsync(Guid id, WaitingReasonUpdate update, CancellationToken cancellationToken)
    {
        if (update.Reason is { Length: > 1000 })
        {
            throw new ValidationException("reason", ["must be at most 1,000 characters"]);
        }

        if (string.IsNullOrWhiteSpace(update.WorkerName))
        {
            throw new ValidationException("worker_name", ["the name of the worker that holds the run is required"]);
        }

        var reason = string.IsNullOrWhiteSpace(update.Reason) ? null : update.Reason;
        var changed = await database.WriteAsync(scope => FlowRunStore.SetInfrastructureWaitingReasonAsync(scope, id, reason, update.WorkerName, timeProvider.GetUtcNow(),
            cancellationToken), cancellationToken);
        if (changed == 0)
        {
            var run = await GetAsync(id, cancellationToken);
            throw new ConflictException(run.State.Type != StateType.Pending
                ? $"Flow run {id} is {run.State.Type.ToWireName()}: a waiting reason is for a run whose infrastructure is starting (PENDING)."
                : $"Flow run {id} is held by worker '{run.WorkerName}', not '{update.WorkerName}': only its claimant sets its waiting reason, or a live worker of its pool that adopted it after the claimant missed two heartbeats.");
        }
    }

    public async Task HeartbeatAsync(Guid id, CancellationToken cancellationToken)
    {
        var changed = await database.WriteAsync(scope => FlowRunStore.HeartbeatAsync(scope, id, timeProvider.GetUtcNow(), cancellationToken), cancellationToken);
        if (changed == 0)
        {
            throw NotFound(id);
        }
    }

    /// <summary>Deletes a run with its states, logs, task runs and results, the result files in the result folder included.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var (deleted, files) = await database.WriteAsync(async scope =>
        {
            var files = await FlowRunStore.ResultFilesAsync(scope, "id = @runId", new { runId = id }, cancellationToken);
            return (await FlowRunStore.DeleteAsync(scope, id, cancellationToken), files);
        }, cancellationToken);
        if (deleted == 0)
        {
            throw NotFound(id);
        }

        results.DeleteFilesOfDeletedRuns(files, logger);
        claimSignal.NotifyAll();
    }

    public static NotFoundException NotFound(Guid id) =>
        new NotFoundException($"Flow run {id} does not exist. List runs with `bosun flow-run ls`.");

    public static async Task EnsureExistsAsync(DbConnection connection, Guid id, CancellationToken cancellationToken)
    {
        if (!await FlowRunStore.ExistsAsync(connection, id, cancellationToken))
        {
            throw NotFound(id);
        }
    }
}
