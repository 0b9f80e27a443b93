using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Results;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Contracts.WorkPools;

namespace Bosun.Client;

/// <summary>
/// The typed client of the Bosun REST API, used by the CLI, workers, the SDK and the tests. Transient failures
/// (no connection, 502, 503, 504) are retried with capped exponential backoff and jitter, a few times or for a whole
/// outage window (<see cref="BosunClientOptions.OutageRetryWindow"/>); API errors become <see cref="BosunApiException"/>.
/// </summary>
public sealed class BosunClient : IDisposable
{
    private static readonly BosunJsonContext Json = BosunJsonContext.Default;

    /// <summary>A request body above this many bytes asks the server first (Expect: 100-continue).</summary>
    private const int LargeBodyBytes = 64 * 1024;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly BosunClientOptions _options;
    private readonly ServerOutage _outage;

    /// <summary>
    /// Creates a client for <paramref name="options"/> with its own HttpClient. A large body waits up to 10 s for the
    /// server's "100 Continue" (the runtime's default, 1 s, is short for a loaded server), then is sent anyway.
    /// </summary>
    public BosunClient(BosunClientOptions options)
        : this(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), Expect100ContinueTimeout = TimeSpan.FromSeconds(10) }), options, ownsHttpClient: true)
    {
    }

    /// <summary>Creates a client for the API at <paramref name="apiUrl"/>.</summary>
    public BosunClient(Uri apiUrl) : this(new BosunClientOptions { ApiUrl = BosunClientOptions.NormalizeApiUrl(apiUrl?.ToString() ?? "") })
    {
    }

    /// <summary>Creates a client over an existing HttpClient (its BaseAddress is set to the API address).</summary>
    public BosunClient(HttpClient httpClient, BosunClientOptions options, bool ownsHttpClient = false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _ownsHttp = ownsHttpClient;
        _options = options;
        _outage = new ServerOutage(options);
        _http.BaseAddress = options.ApiUrl;
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (options.ApiKey is { } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    /// <summary>The API address.</summary>
    public Uri ApiUrl => _options.ApiUrl;

    // Health

    /// <summary>The server's health, version and store kind.</summary>
    public Task<HealthResponse> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.Health, null, Json.HealthResponse, cancellationToken);

    // Work pools

    /// <summary>
    /// Creates a work pool (with its default queue). Keyed as <see cref="CreateFlowRunAsync"/> is: sent again after its
    /// answer was lost, it is answered with the pool the first attempt made, not a 409.
    /// </summary>
    public Task<WorkPool> CreateWorkPoolAsync(WorkPoolCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.WorkPools, Body(request, Json.WorkPoolCreate), Json.WorkPool, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>Reads a work pool.</summary>
    public Task<WorkPool> GetWorkPoolAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Pool(name), null, Json.WorkPool, cancellationToken);

    /// <summary>The job a run on the work pool would get with its template's defaults and these job variables, secrets masked; nothing runs.</summary>
    public Task<JobPreview> PreviewWorkPoolJobAsync(string name, JobPreviewRequest? request = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Pool(name) + "/preview_job", Body(request ?? new JobPreviewRequest(), Json.JobPreviewRequest), Json.JobPreview, cancellationToken);

    /// <summary>Lists work pools, optionally of one type.</summary>
    public Task<Page<WorkPool>> ListWorkPoolsAsync(string? type = null, int offset = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.WorkPools + Query(("type", type), ("offset", offset), ("limit", limit)), null, Json.PageWorkPool, cancellationToken);

    /// <summary>Changes a pool's description or base job template.</summary>
    public Task<WorkPool> UpdateWorkPoolAsync(string name, WorkPoolUpdate update, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, Pool(name), Body(update, Json.WorkPoolUpdate), Json.WorkPool, cancellationToken);

    /// <summary>Deletes a pool; with <paramref name="force"/> even while runs are in flight.</summary>
    public Task DeleteWorkPoolAsync(string name, bool force = false, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, Pool(name) + Query(("force", force ? "true" : null)), null, cancellationToken);

    /// <summary>Pauses a pool: it delivers nothing until resumed.</summary>
    public Task<WorkPool> PauseWorkPoolAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Pool(name) + "/pause", null, Json.WorkPool, cancellationToken);

    /// <summary>Resumes a paused pool.</summary>
    public Task<WorkPool> ResumeWorkPoolAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Pool(name) + "/resume", null, Json.WorkPool, cancellationToken);

    /// <summary>Sets (or with null clears) a pool's concurrency limit.</summary>
    public Task<WorkPool> SetWorkPoolConcurrencyLimitAsync(string name, int? limit, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Pool(name) + "/concurrency_limit", Body(new ConcurrencyLimitUpdate(limit), Json.ConcurrencyLimitUpdate), Json.WorkPool, cancellationToken);

    /// <summary>The default base job template of a pool type.</summary>
    public Task<JsonObject> GetDefaultBaseJobTemplateAsync(string type, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.DefaultTemplates}/{Escape(type)}/base_job_template", null, Json.JsonObject, cancellationToken);

    // Work queues

    /// <summary>Creates a queue in a pool. Keyed as <see cref="CreateWorkPoolAsync"/> is.</summary>
    public Task<WorkQueue> CreateWorkQueueAsync(string pool, WorkQueueCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Pool(pool) + "/queues", Body(request, Json.WorkQueueCreate), Json.WorkQueue, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>Reads a queue.</summary>
    public Task<WorkQueue> GetWorkQueueAsync(string pool, string queue, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Queue(pool, queue), null, Json.WorkQueue, cancellationToken);

    /// <summary>Every queue of a pool in priority order, read page by page.</summary>
    public Task<IReadOnlyList<WorkQueue>> ListWorkQueuesAsync(string pool, CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListWorkQueuesPageAsync(pool, cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of a pool's queues in priority order; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<WorkQueue>> ListWorkQueuesPageAsync(string pool, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Pool(pool) + "/queues/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageWorkQueue, cancellationToken);

    /// <summary>Changes a queue's description or priority.</summary>
    public Task<WorkQueue> UpdateWorkQueueAsync(string pool, string queue, WorkQueueUpdate update, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, Queue(pool, queue), Body(update, Json.WorkQueueUpdate), Json.WorkQueue, cancellationToken);

    /// <summary>Deletes a queue; its waiting runs move to the default queue.</summary>
    public Task DeleteWorkQueueAsync(string pool, string queue, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, Queue(pool, queue), null, cancellationToken);

    /// <summary>Pauses a queue.</summary>
    public Task<WorkQueue> PauseWorkQueueAsync(string pool, string queue, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Queue(pool, queue) + "/pause", null, Json.WorkQueue, cancellationToken);

    /// <summary>Resumes a queue.</summary>
    public Task<WorkQueue> ResumeWorkQueueAsync(string pool, string queue, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Queue(pool, queue) + "/resume", null, Json.WorkQueue, cancellationToken);

    /// <summary>Sets (or with null clears) a queue's concurrency limit.</summary>
    public Task<WorkQueue> SetWorkQueueConcurrencyLimitAsync(string pool, string queue, int? limit, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Queue(pool, queue) + "/concurrency_limit", Body(new ConcurrencyLimitUpdate(limit), Json.ConcurrencyLimitUpdate), Json.WorkQueue, cancellationToken);

    // Workers and the claim

    /// <summary>Records a worker's heartbeat (creating the worker).</summary>
    public Task SendWorkerHeartbeatAsync(string pool, WorkerHeartbeat heartbeat, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Pool(pool) + "/workers/heartbeat", Body(heartbeat, Json.WorkerHeartbeat), cancellationToken);

    /// <summary>Every worker of a pool with its status, by name, read page by page.</summary>
    public Task<IReadOnlyList<Worker>> ListWorkersAsync(string pool, CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListWorkersPageAsync(pool, cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of a pool's workers by name; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<Worker>> ListWorkersPageAsync(string pool, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Pool(pool) + "/workers/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageWorker, cancellationToken);

    /// <summary>Removes a worker record.</summary>
    public Task DeleteWorkerAsync(string pool, string worker, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{Pool(pool)}/workers/{Escape(worker)}", null, cancellationToken);

    /// <summary>
    /// Claims due runs of a pool; they come back PENDING and owned by the worker. With a wait, holds until one is eligible.
    /// Each call sends a key of its own (Idempotency-Key): when an answer is lost and the claim is sent again, the server
    /// answers the runs the first attempt took instead of taking others.
    /// </summary>
    public Task<ClaimResponse> ClaimFlowRunsAsync(string pool, ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(HttpMethod.Post, Pool(pool) + "/claim", Body(request, Json.ClaimRequest), Json.ClaimResponse,
            TimeSpan.FromSeconds(request.WaitSeconds ?? 0), NewKey(), cancellationToken);
    }

    /// <summary>A serving process claims due runs of its own deployments; with a wait, holds until one is eligible. Keyed as <see cref="ClaimFlowRunsAsync"/> is.</summary>
    public Task<ServedClaimResponse> ClaimServedFlowRunsAsync(ServedClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(HttpMethod.Post, ApiRoutes.Deployments + "/claim", Body(request, Json.ServedClaimRequest), Json.ServedClaimResponse,
            TimeSpan.FromSeconds(request.WaitSeconds ?? 0), NewKey(), cancellationToken);
    }

    private static string NewKey() => Guid.NewGuid().ToString("N");

    // Flows and deployments

    /// <summary>Lists flows.</summary>
    public Task<Page<Flow>> ListFlowsAsync(int offset = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.Flows + Query(("offset", offset), ("limit", limit)), null, Json.PageFlow, cancellationToken);

    /// <summary>Creates or updates the deployment (flow, name).</summary>
    public Task<Deployment> UpsertDeploymentAsync(DeploymentUpsert request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, ApiRoutes.Deployments, Body(request, Json.DeploymentUpsert), Json.Deployment, cancellationToken);

    /// <summary>Reads a deployment by id.</summary>
    public Task<Deployment> GetDeploymentAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.Deployments}/{id}", null, Json.Deployment, cancellationToken);

    /// <summary>Reads a deployment by its address <c>flow/deployment</c>.</summary>
    public Task<Deployment> GetDeploymentByNameAsync(string fullName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        var slash = fullName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == fullName.Length - 1)
        {
            throw new ArgumentException($"'{fullName}' is not a deployment address; write it as flow-name/deployment-name.", nameof(fullName));
        }

        return SendAsync(HttpMethod.Get, $"{ApiRoutes.Deployments}/name/{Escape(fullName[..slash])}/{Escape(fullName[(slash + 1)..])}", null, Json.Deployment, cancellationToken);
    }

    /// <summary>Lists deployments, optionally of one flow or pool.</summary>
    public Task<Page<Deployment>> ListDeploymentsAsync(string? flow = null, string? workPool = null, int offset = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.Deployments + Query(("flow", flow), ("work_pool", workPool), ("offset", offset), ("limit", limit)), null, Json.PageDeployment, cancellationToken);

    /// <summary>Changes the fields <paramref name="update"/> gives; the others stay. Returns the deployment as it now is.</summary>
    public Task<Deployment> UpdateDeploymentAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, $"{ApiRoutes.Deployments}/{id}", Body(update, Json.DeploymentUpdate), Json.Deployment, cancellationToken);

    /// <summary>Deletes a deployment and its runs that have not started.</summary>
    public Task DeleteDeploymentAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{ApiRoutes.Deployments}/{id}", null, cancellationToken);

    /// <summary>Pauses a deployment.</summary>
    public Task<Deployment> PauseDeploymentAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{id}/pause", null, Json.Deployment, cancellationToken);

    /// <summary>Resumes a deployment.</summary>
    public Task<Deployment> ResumeDeploymentAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{id}/resume", null, Json.Deployment, cancellationToken);

    /// <summary>The job configuration a run of the deployment would get, secrets masked; nothing runs.</summary>
    public Task<JobPreview> PreviewJobAsync(Guid deploymentId, JobPreviewRequest? request = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{deploymentId}/preview_job", Body(request ?? new JobPreviewRequest(), Json.JobPreviewRequest), Json.JobPreview, cancellationToken);

    /// <summary>Adds a schedule to a deployment. Keyed as <see cref="CreateWorkPoolAsync"/> is: sent again after its answer was lost, it adds no second schedule.</summary>
    public Task<DeploymentSchedule> AddScheduleAsync(Guid deploymentId, ScheduleSpec schedule, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{deploymentId}/schedules", Body(schedule, Json.ScheduleSpec), Json.DeploymentSchedule,
            TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>Every schedule of a deployment, oldest first, read page by page.</summary>
    public Task<IReadOnlyList<DeploymentSchedule>> ListSchedulesAsync(Guid deploymentId, CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListSchedulesPageAsync(deploymentId, cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of a deployment's schedules, oldest first; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<DeploymentSchedule>> ListSchedulesPageAsync(Guid deploymentId, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.Deployments}/{deploymentId}/schedules/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageDeploymentSchedule, cancellationToken);

    /// <summary>Pauses (false) or resumes (true) a schedule.</summary>
    public Task<DeploymentSchedule> SetScheduleActiveAsync(Guid deploymentId, Guid scheduleId, bool active, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, $"{ApiRoutes.Deployments}/{deploymentId}/schedules/{scheduleId}", Body(new ScheduleUpdate(active), Json.ScheduleUpdate), Json.DeploymentSchedule, cancellationToken);

    /// <summary>Deletes a schedule and the future runs it created.</summary>
    public Task DeleteScheduleAsync(Guid deploymentId, Guid scheduleId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{ApiRoutes.Deployments}/{deploymentId}/schedules/{scheduleId}", null, cancellationToken);

    /// <summary>The next times a deployment's schedules fire.</summary>
    public Task<IReadOnlyList<UpcomingRun>> GetUpcomingRunsAsync(Guid deploymentId, int count = 10, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.Deployments}/{deploymentId}/upcoming?count={count}", null, Json.IReadOnlyListUpcomingRun, cancellationToken);

    /// <summary>
    /// The next times (1 to 100, default 5) a schedule would fire, in UTC and in its time zone, DST changes marked; nothing
    /// is saved and no deployment is needed. A bad cron, rrule or time zone is a 422 naming the field.
    /// </summary>
    public Task<IReadOnlyList<UpcomingRun>> PreviewScheduleAsync(SchedulePreviewRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Schedules}/preview", Body(request, Json.SchedulePreviewRequest), Json.IReadOnlyListUpcomingRun, cancellationToken);

    /// <summary>
    /// Creates a run of a deployment. Each call sends a key of its own (Idempotency-Key): when an answer is lost and the
    /// create is sent again, the server answers the run the first attempt made instead of making another.
    /// </summary>
    public Task<FlowRun> CreateFlowRunAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{deploymentId}/create_flow_run", Body(request, Json.FlowRunCreate), Json.FlowRun,
            TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>
    /// Creates 1 to 1,000 runs of a deployment in one request and one write transaction: all of them, or none when one is
    /// refused (the error names its index). For producers with many runs: one round trip instead of one per run. Keyed as
    /// <see cref="CreateFlowRunAsync"/> is: a batch sent again after its answer was lost makes no run twice.
    /// </summary>
    public async Task<IReadOnlyList<CreatedFlowRun>> CreateFlowRunsAsync(Guid deploymentId, IReadOnlyList<FlowRunCreate> runs, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, $"{ApiRoutes.Deployments}/{deploymentId}/create_flow_runs",
            Body(new FlowRunBatchCreate(runs), Json.FlowRunBatchCreate), Json.FlowRunBatchCreated, TimeSpan.Zero, NewKey(), cancellationToken).ConfigureAwait(false)).Runs;

    // Flow runs

    /// <summary>Reads a run, with its waiting reason.</summary>
    public Task<FlowRun> GetFlowRunAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(id), null, Json.FlowRun, cancellationToken);

    /// <summary>
    /// Records a subflow of a running flow run: a child run, PENDING, that the caller runs and reports. Keyed as
    /// <see cref="CreateFlowRunAsync"/> is.
    /// </summary>
    public Task<FlowRun> CreateSubflowRunAsync(Guid parentFlowRunId, SubflowRunCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{Run(parentFlowRunId)}/subflow_runs", Body(request, Json.SubflowRunCreate), Json.FlowRun, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>
    /// Starts a run of the deployment <c>flow/deployment</c> as a child of a running flow run: linked to it, cancelled with
    /// it. A run token may start children of the runs of its own tree only. Keyed as <see cref="CreateFlowRunAsync"/> is.
    /// </summary>
    public Task<FlowRun> CreateDeploymentChildRunAsync(Guid parentFlowRunId, DeploymentRunCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{Run(parentFlowRunId)}/deployment_runs", Body(request, Json.DeploymentRunCreate), Json.FlowRun, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>
    /// Pauses a RUNNING run for its own flow (RUNNING → PAUSED), asking for input of a JSON Schema. Keyed as
    /// <see cref="CreateFlowRunAsync"/> is: sent again after its answer was lost, it is answered ACCEPT, not ABORT for a
    /// run that is PAUSED already.
    /// </summary>
    public Task<SetStateResult> PauseFlowRunAsync(Guid id, FlowRunPause pause, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{Run(id)}/pause", Body(pause, Json.FlowRunPause), Json.SetStateResult, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>
    /// Resumes a PAUSED run with the input its pause asked for. Keyed as <see cref="CreateFlowRunAsync"/> is: sent again
    /// after its answer was lost, it is answered with the run as it is now, not a 409 for a run no longer PAUSED.
    /// </summary>
    public Task<FlowRun> ResumeFlowRunAsync(Guid id, FlowRunResume resume, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{Run(id)}/resume", Body(resume, Json.FlowRunResume), Json.FlowRun, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>Lists runs matching a filter, newest first.</summary>
    public Task<Page<FlowRunSummary>> ListFlowRunsAsync(FlowRunFilter? filter = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.FlowRuns + "/filter", Body(filter ?? new FlowRunFilter(), Json.FlowRunFilter), Json.PageFlowRunSummary, cancellationToken);

    /// <summary>
    /// Every child run of <paramref name="parentFlowRunId"/> (its subflows and the deployment runs it started), newest
    /// first, read page by page; narrowed to one flow and to some state types when given. A run's own token may list the
    /// children of any run of its tree.
    /// </summary>
    public Task<IReadOnlyList<FlowRunSummary>> ListChildFlowRunsAsync(Guid parentFlowRunId, string? flowName = null, IReadOnlyList<StateType>? states = null,
        CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => SendAsync(HttpMethod.Get, ApiRoutes.FlowRuns + Query(("parent_flow_run_id", parentFlowRunId), ("flow", flowName),
            ("state", states is { Count: > 0 } ? string.Join(',', states.Select(state => state.ToWireName())) : null),
            ("limit", MaxPageSize), ("cursor", cursor), ("include_total", "false")), null, Json.PageFlowRunSummary, ct), cancellationToken);

    /// <summary>A run's full state history, oldest first (walking the pages).</summary>
    public Task<IReadOnlyList<FlowRunState>> GetFlowRunStatesAsync(Guid id, CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => GetFlowRunStatesPageAsync(id, cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of a run's state history, oldest first; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<FlowRunState>> GetFlowRunStatesPageAsync(Guid id, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(id) + "/states/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageFlowRunState, cancellationToken);

    /// <summary>Proposes a state; the answer says ACCEPT, REJECT, WAIT or ABORT and why.</summary>
    public Task<SetStateResult> SetFlowRunStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Run(id) + "/set_state", Body(proposal, Json.StateProposal), Json.SetStateResult, cancellationToken);

    /// <summary>
    /// Proposes states for 1 to 100 runs in one request and one write transaction; each is decided as
    /// <see cref="SetFlowRunStateAsync"/> decides it (a WAIT is answered at once) and answered in the order sent.
    /// </summary>
    public Task<FlowRunStateBatchResult> SetFlowRunStatesAsync(FlowRunStateBatch batch, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.FlowRuns + "/set_states", Body(batch, Json.FlowRunStateBatch), Json.FlowRunStateBatchResult, cancellationToken);

    /// <summary>Cancels a run.</summary>
    public Task<SetStateResult> CancelFlowRunAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Run(id) + "/cancel", null, Json.SetStateResult, cancellationToken);

    /// <summary>Records the infrastructure (process id, container id, job name) of a run.</summary>
    public Task<FlowRun> SetFlowRunInfrastructureAsync(Guid id, string infrastructureId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Run(id) + "/infrastructure", Body(new InfrastructureUpdate(infrastructureId), Json.InfrastructureUpdate), Json.FlowRun, cancellationToken);

    /// <summary>
    /// Says, as the worker <paramref name="workerName"/>, what keeps a claimed run's infrastructure from starting (null
    /// clears it); refused once the run is no longer PENDING, and to a worker that neither holds the run nor adopted it.
    /// </summary>
    public Task SetFlowRunWaitingReasonAsync(Guid id, string? reason, string workerName, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Run(id) + "/waiting_reason", Body(new WaitingReasonUpdate(reason) { WorkerName = workerName }, Json.WaitingReasonUpdate), cancellationToken);

    /// <summary>Tells the server the flow-run process is alive.</summary>
    public Task SendFlowRunHeartbeatAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Run(id) + "/heartbeat", null, cancellationToken);

    /// <summary>Deletes a run and its logs.</summary>
    public Task DeleteFlowRunAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, Run(id), null, cancellationToken);

    // Security

    /// <summary>
    /// Creates an API key (admin); its secret is in the answer only. Keyed as <see cref="CreateWorkPoolAsync"/> is: sent again
    /// after its answer was lost, it is answered with the same key and secret, and makes no second key.
    /// </summary>
    public Task<ApiKeyCreated> CreateApiKeyAsync(ApiKeyCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api_keys", Body(request, Json.ApiKeyCreate), Json.ApiKeyCreated, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>
    /// Exchanges the one-time bootstrap token a server without an admin key printed at start for the first admin key
    /// (needs no API key); refused once an admin key exists.
    /// </summary>
    public Task<ApiKeyCreated> BootstrapApiKeyAsync(ApiKeyBootstrap request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api_keys/bootstrap", Body(request, Json.ApiKeyBootstrap), Json.ApiKeyCreated, cancellationToken);

    /// <summary>Every API key, oldest first (never the keys themselves), read page by page.</summary>
    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListApiKeysPageAsync(cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of the API keys, oldest first; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<ApiKey>> ListApiKeysPageAsync(string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api_keys/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageApiKey, cancellationToken);

    /// <summary>Revokes an API key.</summary>
    public Task RevokeApiKeyAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api_keys/{id}", null, cancellationToken);

    /// <summary>Every web UI session kept (working ones and those ended within a week), oldest first, read page by page (admin).</summary>
    public Task<IReadOnlyList<UiSession>> ListUiSessionsAsync(CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListUiSessionsPageAsync(cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of the web UI sessions, oldest first; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<UiSession>> ListUiSessionsPageAsync(string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.UiSessions + Query(("limit", limit), ("cursor", cursor)), null, Json.PageUiSession, cancellationToken);

    /// <summary>Ends a web UI session at once (admin); its key keeps working.</summary>
    public Task RevokeUiSessionAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{ApiRoutes.UiSessions}/{id}", null, cancellationToken);

    /// <summary>Stores a secret (encrypted at rest); job variables refer to it as <c>{{ secret.NAME }}</c>.</summary>
    public Task SetSecretAsync(string name, string value, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"secrets/{Escape(name)}", Body(new SecretValue(value), Json.SecretValue), cancellationToken);

    /// <summary>Every secret name (values are never returned), read page by page.</summary>
    public Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListSecretsPageAsync(cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of secret names by name; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<SecretInfo>> ListSecretsPageAsync(string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "secrets/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageSecretInfo, cancellationToken);

    /// <summary>Deletes a secret.</summary>
    public Task DeleteSecretAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"secrets/{Escape(name)}", null, cancellationToken);

    /// <summary>A worker resolves the secrets a claimed run's job refers to.</summary>
    public Task<Dictionary<string, string>> ResolveSecretsAsync(SecretResolveRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "secrets/resolve", Body(request, Json.SecretResolveRequest), Json.DictionaryStringString, cancellationToken);

    /// <summary>
    /// Reads secrets' values for a deploy-time step (a developer or admin key; audited with the names and reason, never
    /// the values). Each value is returned by name.
    /// </summary>
    public Task<Dictionary<string, string>> ReadSecretsAsync(SecretReadRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "secrets/read", Body(request, Json.SecretReadRequest), Json.DictionaryStringString, cancellationToken);

    /// <summary>A token scoped to one run, for its flow-run process.</summary>
    public Task<RunToken> IssueRunTokenAsync(Guid runId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{Run(runId)}/token", null, Json.RunToken, cancellationToken);

    /// <summary>An admin approves the deployment's present values of these job variables despite its pool's policy (audited); an empty list removes the override.</summary>
    public Task<Deployment> SetDeploymentPolicyExemptionsAsync(Guid deploymentId, PolicyExemptionUpdate update, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"{ApiRoutes.Deployments}/{deploymentId}/policy_exemptions", Body(update, Json.PolicyExemptionUpdate), Json.Deployment, cancellationToken);

    /// <summary>The audit log, newest first: entries of the last <paramref name="since"/> (server default 1 day), of the key named <paramref name="keyName"/> when given.</summary>
    public Task<Page<Contracts.Audit.AuditEntry>> ListAuditEntriesAsync(TimeSpan? since = null, string? keyName = null, int offset = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.Audit + Query(("since", since is { } span ? $"{(long)Math.Ceiling(span.TotalSeconds)}s" : null), ("key", keyName), ("offset", offset), ("limit", limit)),
            null, Json.PageAuditEntry, cancellationToken);

    // Automations

    /// <summary>Creates an automation (a trigger and its actions). Keyed as <see cref="CreateWorkPoolAsync"/> is.</summary>
    public Task<Automation> CreateAutomationAsync(AutomationCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.Automations, Body(request, Json.AutomationCreate), Json.Automation, TimeSpan.Zero, NewKey(), cancellationToken);

    /// <summary>Every automation, by name, read page by page.</summary>
    public Task<IReadOnlyList<Automation>> ListAutomationsAsync(CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListAutomationsPageAsync(cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of the automations by name; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<Automation>> ListAutomationsPageAsync(string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.Automations + "/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageAutomation, cancellationToken);

    /// <summary>An automation by id or name.</summary>
    public Task<Automation> GetAutomationAsync(string idOrName, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.Automations}/{Escape(idOrName)}", null, Json.Automation, cancellationToken);

    /// <summary>Changes an automation: the fields given replace the rule's, the others stay.</summary>
    public Task<Automation> UpdateAutomationAsync(string idOrName, AutomationUpdate update, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, $"{ApiRoutes.Automations}/{Escape(idOrName)}", Body(update, Json.AutomationUpdate), Json.Automation, cancellationToken);

    /// <summary>Pauses an automation: events while paused are ignored.</summary>
    public Task<Automation> PauseAutomationAsync(string idOrName, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Automations}/{Escape(idOrName)}/pause", null, Json.Automation, cancellationToken);

    /// <summary>Resumes an automation.</summary>
    public Task<Automation> ResumeAutomationAsync(string idOrName, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{ApiRoutes.Automations}/{Escape(idOrName)}/resume", null, Json.Automation, cancellationToken);

    /// <summary>Deletes an automation and its ledger.</summary>
    public Task DeleteAutomationAsync(string idOrName, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{ApiRoutes.Automations}/{Escape(idOrName)}", null, cancellationToken);

    /// <summary>The ledger of an automation: its newest <paramref name="limit"/> deliveries, newest first, with every attempt.</summary>
    public async Task<IReadOnlyList<AutomationDelivery>> AutomationHistoryAsync(string idOrName, int limit = 100, CancellationToken cancellationToken = default)
    {
        var deliveries = new List<AutomationDelivery>();
        string? cursor = null;
        do
        {
            var page = await AutomationHistoryPageAsync(idOrName, cursor, Math.Clamp(limit - deliveries.Count, 1, MaxPageSize), cancellationToken).ConfigureAwait(false);
            deliveries.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && deliveries.Count < limit);

        return deliveries;
    }

    /// <summary>One page of an automation's ledger, newest first; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<AutomationDelivery>> AutomationHistoryPageAsync(string idOrName, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.Automations}/{Escape(idOrName)}/history/page" + Query(("limit", limit), ("cursor", cursor)), null,
            Json.PageAutomationDelivery, cancellationToken);

    // Logs

    /// <summary>Writes log lines (of one or more runs) in one request.</summary>
    public Task WriteLogsAsync(IReadOnlyList<LogCreate> lines, CancellationToken cancellationToken = default) =>
        WriteLogBatchAsync(lines, null, cancellationToken);

    /// <summary>
    /// Writes log lines as one batch named <paramref name="batchKey"/> (sent as the Idempotency-Key header): the server
    /// writes a batch with a key it has seen in the last day once only, so a batch sent again after a lost answer (by this
    /// client's own retries or by the caller) stores each line once.
    /// </summary>
    public async Task WriteLogBatchAsync(IReadOnlyList<LogCreate> lines, string? batchKey, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiRoutes.Logs);
        if (batchKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", batchKey);
        }

        // Serialized once for every attempt, and sent with its length: a server whose body limit is below it answers 413
        // from the headers alone. A large batch first asks whether the server takes it (Expect: 100-continue), so that the
        // 413 is read as an answer rather than racing the upload and breaking the connection (which looks like an outage).
        var body = JsonSerializer.SerializeToUtf8Bytes(lines, Json.IReadOnlyListLogCreate);
        if (body.Length > LargeBodyBytes)
        {
            request.Headers.ExpectContinue = true;
        }

        using var response = await SendWithRetryAsync(request, HttpCompletionOption.ResponseContentRead,
            () => new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a run's log lines after the id <paramref name="after"/>.</summary>
    public Task<Page<LogEntry>> ReadLogsAsync(Guid runId, long after = 0, int limit = 500, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(runId) + "/logs" + Query(("after", after), ("limit", limit)), null, Json.PageLogEntry, cancellationToken);

    /// <summary>Reads the log lines a run's task runs wrote: those of <paramref name="taskRunId"/>, or of every task run of the task <paramref name="taskName"/>.</summary>
    public Task<Page<LogEntry>> ReadTaskLogsAsync(Guid runId, Guid? taskRunId, string? taskName, long after = 0, int limit = 500, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(runId) + "/logs" + Query(("after", after), ("limit", limit), ("task_run_id", taskRunId), ("task_name", taskName)), null, Json.PageLogEntry, cancellationToken);

    /// <summary>
    /// Streams a run's log lines as they are written, until the run has finished and every line was sent. A stream that
    /// stops before the server said the log ended (a server restart, a lost connection) is followed again from the last
    /// line received, within the retry budget (<see cref="BosunClientOptions.OutageRetryWindow"/>, else
    /// <see cref="BosunClientOptions.MaxAttempts"/>), so no line is missed or repeated.
    /// </summary>
    public async IAsyncEnumerable<LogEntry> FollowLogsAsync(Guid runId, long after = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DateTimeOffset? firstFailure = null;
        var attempt = 1;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Run(runId) + "/logs/follow" + Query(("after", after)));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await SendWithRetryAsync(request, HttpCompletionOption.ResponseHeadersRead, null, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var streamScope = stream.ConfigureAwait(false);
            var events = System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using var eventsScope = events.ConfigureAwait(false);
            Exception? lost = null;
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    lost = ex;
                    break;
                }

                var item = events.Current;
                if (item.EventType == "end")
                {
                    _outage.Answered();
                    yield break;
                }

                if (item.EventType == "log" && JsonSerializer.Deserialize(item.Data, Json.LogEntry) is { } entry)
                {
                    (after, attempt, firstFailure) = (entry.Id, 1, null);
                    yield return entry;
                }
            }

            // The stream stopped before the log ended: follow again from the last line received.
            lost ??= new IOException("the log stream stopped before the run's log ended");
            _outage.Failed(lost.Message);
            if (!MayRetry(attempt, ref firstFailure))
            {
                throw new BosunServerUnreachableException(_options.ApiUrl, lost);
            }

            await Task.Delay(RetryDelay(attempt++), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    // Task runs and results

    /// <summary>Records task-run transitions (of one or more flow runs) in one request; the newest report of each task run wins.</summary>
    public Task RecordTaskRunsAsync(IReadOnlyList<TaskRunReport> reports, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.TaskRuns + "/batch", Body(reports, Json.IReadOnlyListTaskRunReport), cancellationToken);

    /// <summary>Every task run of a flow run in the order they were first recorded, read page by page.</summary>
    public Task<IReadOnlyList<TaskRun>> ListTaskRunsAsync(Guid flowRunId, CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListTaskRunsPageAsync(flowRunId, cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of a flow run's task runs in the order they were first recorded; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<TaskRun>> ListTaskRunsPageAsync(Guid flowRunId, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(flowRunId) + "/task_runs/page" + Query(("limit", limit), ("cursor", cursor)), null, Json.PageTaskRun, cancellationToken);

    /// <summary>Reads a task run.</summary>
    public Task<TaskRun> GetTaskRunAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.TaskRuns}/{id}", null, Json.TaskRun, cancellationToken);

    /// <summary>A task run's result; 404 when it recorded none.</summary>
    public Task<RunResult> GetTaskRunResultAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.TaskRuns}/{id}/result", null, Json.RunResult, cancellationToken);

    /// <summary>The newest unexpired result recorded under <paramref name="cacheKey"/>; 404 when there is none.</summary>
    public Task<TaskCacheLookup> LookUpTaskCacheAsync(string cacheKey, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.TaskRuns}/cache/{Escape(cacheKey)}", null, Json.TaskCacheLookup, cancellationToken);

    /// <summary>Records a flow run's return value (sent before COMPLETED).</summary>
    public Task SetFlowRunResultAsync(Guid flowRunId, ResultWrite result, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Run(flowRunId) + "/result", Body(result, Json.ResultWrite), cancellationToken);

    /// <summary>A flow run's result; 404 when it recorded none (it returned nothing, or has not completed).</summary>
    public Task<RunResult> GetFlowRunResultAsync(Guid flowRunId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Run(flowRunId) + "/result", null, Json.RunResult, cancellationToken);

    /// <summary>Creates a tag concurrency limit, or sets the limit of the tag's existing one.</summary>
    public Task<ConcurrencyLimit> CreateConcurrencyLimitAsync(ConcurrencyLimitCreate request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiRoutes.ConcurrencyLimits, Body(request, Json.ConcurrencyLimitCreate), Json.ConcurrencyLimit, cancellationToken);

    /// <summary>Every tag concurrency limit, by tag (walking the pages).</summary>
    public Task<IReadOnlyList<ConcurrencyLimit>> ListConcurrencyLimitsAsync(CancellationToken cancellationToken = default) =>
        AllPagesAsync((cursor, ct) => ListConcurrencyLimitsPageAsync(cursor, MaxPageSize, ct), cancellationToken);

    /// <summary>One page of the tag concurrency limits by tag; pass the page's <see cref="Page{T}.NextCursor"/> as <paramref name="cursor"/> for the next.</summary>
    public Task<Page<ConcurrencyLimit>> ListConcurrencyLimitsPageAsync(string? cursor = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiRoutes.ConcurrencyLimits + Query(("limit", limit), ("cursor", cursor)), null, Json.PageConcurrencyLimit, cancellationToken);

    /// <summary>A tag's concurrency limit with the task runs holding its slots; 404 when the tag has none.</summary>
    public Task<ConcurrencyLimit> GetConcurrencyLimitAsync(string tag, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"{ApiRoutes.ConcurrencyLimits}/{Escape(tag)}", null, Json.ConcurrencyLimit, cancellationToken);

    /// <summary>Deletes a tag's concurrency limit; 404 when the tag has none.</summary>
    public Task DeleteConcurrencyLimitAsync(string tag, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{ApiRoutes.ConcurrencyLimits}/{Escape(tag)}", null, cancellationToken);

    /// <summary>Takes a slot of every limit among a task run's tags, all or none (a flow-run process does this before a tagged task runs).</summary>
    public Task<ConcurrencySlotGrant> AcquireConcurrencySlotsAsync(Guid flowRunId, ConcurrencySlotRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Run(flowRunId) + "/concurrency_slots", Body(request, Json.ConcurrencySlotRequest), Json.ConcurrencySlotGrant, cancellationToken);

    /// <summary>Gives back every concurrency slot a task run holds.</summary>
    public Task ReleaseConcurrencySlotsAsync(Guid flowRunId, Guid taskRunId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{Run(flowRunId)}/concurrency_slots/{taskRunId}", null, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static string Pool(string name) => $"{ApiRoutes.WorkPools}/{Escape(name)}";

    private static string Queue(string pool, string queue) => $"{Pool(pool)}/queues/{Escape(queue)}";

    private static string Run(Guid id) => $"{ApiRoutes.FlowRuns}/{id}";

    /// <summary>The largest page the server gives (its limit's maximum): the fewest round trips for a whole list.</summary>
    private const int MaxPageSize = 500;

    /// <summary>Every item of a paged list: the pages followed by their cursors until the last.</summary>
    private static async Task<IReadOnlyList<T>> AllPagesAsync<T>(Func<string?, CancellationToken, Task<Page<T>>> pageAsync, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? cursor = null;
        do
        {
            var page = await pageAsync(cursor, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return items;
    }

    private static string Query(params (string Name, object? Value)[] parameters)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=')
                .Append(Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
        }

        return builder.ToString();
    }

    private static Func<HttpContent> Body<T>(T value, JsonTypeInfo<T> typeInfo) => () => JsonContent.Create(value, typeInfo);

    private Task<T> SendAsync<T>(HttpMethod method, string path, Func<HttpContent>? body, JsonTypeInfo<T> responseType, CancellationToken cancellationToken) =>
        SendAsync(method, path, body, responseType, TimeSpan.Zero, null, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, Func<HttpContent>? body, JsonTypeInfo<T> responseType,
        TimeSpan extraTimeout, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (idempotencyKey is not null)
        {
            // The same on every attempt: the template's headers go with each.
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await SendWithRetryAsync(request, HttpCompletionOption.ResponseContentRead, body, extraTimeout, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
            ?? throw new BosunApiException(response.StatusCode, "Empty response", $"{method} {path} answered with no body.");
    }

    private async Task SendAsync(HttpMethod method, string path, Func<HttpContent>? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await SendWithRetryAsync(request, HttpCompletionOption.ResponseContentRead, body, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendWithRetryAsync(HttpRequestMessage template, HttpCompletionOption completion, Func<HttpContent>? body,
        TimeSpan extraTimeout, CancellationToken cancellationToken)
    {
        DateTimeOffset? firstFailure = null;
        for (var attempt = 1; ; attempt++)
        {
            // A request message can be sent once; each attempt sends a fresh copy.
            using var request = new HttpRequestMessage(template.Method, template.RequestUri) { Content = body?.Invoke() };
            foreach (var header in template.Headers)
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (completion == HttpCompletionOption.ResponseContentRead)
            {
                timeout.CancelAfter(_options.RequestTimeout + extraTimeout);
            }

            HttpResponseMessage? response = null;
            var sentAt = _options.TimeProvider.GetUtcNow();
            try
            {
                response = await _http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
                if (!IsTransient(response.StatusCode))
                {
                    _outage.Answered(sentAt);
                    return response;
                }

                _outage.Failed($"{(int)response.StatusCode} {response.ReasonPhrase}");
                if (!MayRetry(attempt, ref firstFailure))
                {
                    return response;
                }

                response.Dispose();
            }
            catch (HttpRequestException ex) when (IsConnectionFailure(ex))
            {
                response?.Dispose();
                _outage.Failed(ex.Message);
                if (!MayRetry(attempt, ref firstFailure))
                {
                    throw new BosunServerUnreachableException(_options.ApiUrl, ex);
                }
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                response?.Dispose();
                var noAnswer = new TimeoutException($"no answer within {_options.RequestTimeout + extraTimeout}", ex);
                _outage.Failed(noAnswer.Message);
                if (_options.OutageRetryWindow <= TimeSpan.Zero || !MayRetry(attempt, ref firstFailure))
                {
                    throw new BosunServerUnreachableException(_options.ApiUrl, noAnswer);
                }
            }

            await Task.Delay(RetryDelay(attempt), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Within the outage window when one is set, else within <see cref="BosunClientOptions.MaxAttempts"/>.</summary>
    private bool MayRetry(int attempt, ref DateTimeOffset? firstFailure)
    {
        if (_options.OutageRetryWindow <= TimeSpan.Zero)
        {
            return attempt < _options.MaxAttempts;
        }

        var now = _options.TimeProvider.GetUtcNow();
        firstFailure ??= now;
        return now - firstFailure.Value < _options.OutageRetryWindow;
    }

    /// <summary>Doubling from RetryDelay, capped at MaxRetryDelay, each wait drawn from its upper half so that clients do not retry in step.</summary>
    private TimeSpan RetryDelay(int attempt)
    {
        var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds, _options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static bool IsConnectionFailure(HttpRequestException ex) =>
        ex.InnerException is SocketException or IOException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? title = null, detail = null;
        Dictionary<string, string[]>? errors = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(text) && JsonNode.Parse(text) is JsonObject problem)
            {
                title = problem["title"]?.GetValue<string>();
                detail = problem["detail"]?.GetValue<string>();
                if (problem["errors"] is JsonObject fieldErrors)
                {
                    errors = fieldErrors.ToDictionary(pair => pair.Key,
                        pair => pair.Value is JsonArray messages ? messages.Select(m => m?.ToString() ?? "").ToArray() : [pair.Value?.ToString() ?? ""]);
                }
            }
        }
        catch (JsonException)
        {
            // Not a ProblemDetails body (a proxy's error page); the status alone must do.
        }

        throw new BosunApiException(response.StatusCode, title, detail, errors);
    }
}
