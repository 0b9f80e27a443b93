using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// The kubernetes work pool: each run is one batch/v1 Job made from the rendered <c>job_manifest</c>
/// (<see cref="KubernetesJobManifest"/>), created through the Kubernetes API with labels naming the run, pool, worker,
/// flow and deployment, and followed by a <see cref="KubernetesJobHandle"/>. Jobs outlive the worker: it lists them
/// again for adoption and clean-up (<see cref="IAdoptableInfrastructure"/>).
/// </summary>
internal sealed class KubernetesInfrastructure : FlowRunInfrastructure, IAdoptableInfrastructure, IDisposable
{
    private readonly KubernetesClusters _clusters = new();

    // Where this worker created Jobs (besides its pool's default namespace): where reconciliation looks.
    private readonly ConcurrentDictionary<(KubernetesClusters.Cluster Cluster, string Namespace), byte> _namespaces = new();

    public override string Type => WorkPoolTypes.Kubernetes;

    /// <summary>A pod may wait minutes for a node or an image: its Job is created as soon as the run is claimed.</summary>
    public override TimeSpan StartLead => TimeSpan.MaxValue;

    public override async Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var cluster = new KubernetesClusters.Cluster(job.Text("cluster_config"), job.Text("context"));
        var manifest = KubernetesJobManifest.Build(job.Configuration, job.Environment, job.Labels, job.Claim.FlowRun.Name);
        var container = manifest["spec"]!["template"]!["spec"]!["containers"]!.AsArray().OfType<JsonObject>()
            .FirstOrDefault(c => c["name"]?.GetValue<string>() == KubernetesNames.DefaultContainer);
        var typed = KubernetesJobManifest.ToJob(manifest);
        var settings = KubernetesWatchSettings.From(job, container?["resources"]?["limits"]?["memory"]?.ToString(), typed.Spec.BackoffLimit);
        typed.Metadata.Annotations ??= new Dictionary<string, string>();
        typed.Metadata.Annotations[KubernetesNames.WatchSettingsKey] = settings.ToJson();
        var namespaceName = typed.Metadata.NamespaceProperty;
        var client = await _clusters.ClientAsync(cluster).ConfigureAwait(false);
        _namespaces.TryAdd((cluster, namespaceName), 0);
        V1Job created;
        try
        {
            created = await client.BatchV1.CreateNamespacedJobAsync(typed, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new SubmissionException($"creating the Job in namespace '{namespaceName}' failed: {ApiError(ex)}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException)
        {
            throw new SubmissionException($"cannot reach the Kubernetes API server at {client.BaseUri}: {ex.Message}", ex);
        }

        job.WorkerLog($"Created Job {namespaceName}/{created.Metadata.Name} from image '{container?["image"]}'.");
        return new KubernetesJobHandle(client, namespaceName, created.Metadata.Name, settings, job.Output, job.WorkerLog, TimeProvider.System,
            waitingReason: job.WaitingReason);
    }

    public async Task<IReadOnlyList<StartedInfrastructure>> ListAsync(WorkPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var defaults = JobTemplateRenderer.Render(pool.BaseJobTemplate,
            JobTemplateRenderer.MergeVariables(pool.BaseJobTemplate["variables"] as JsonObject, null, null), Environment.GetEnvironmentVariable);
        var defaultCluster = new KubernetesClusters.Cluster(Text(defaults["cluster_config"]), Text(defaults["context"]));
        _namespaces.TryAdd((defaultCluster, Text(defaults["namespace"]) ?? "default"), 0);
        var found = new List<StartedInfrastructure>();
        foreach (var (cluster, namespaceName) in _namespaces.Keys)
        {
            var client = await _clusters.ClientAsync(cluster).ConfigureAwait(false);
            var jobs = await client.BatchV1.ListNamespacedJobAsync(namespaceName,
                labelSelector: $"{KubernetesNames.PoolKey}={KubernetesNames.LabelValue(pool.Name)}", cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var item in jobs.Items)
            {
                IDictionary<string, string> annotations = item.Metadata.Annotations ?? new Dictionary<string, string>();
                if (item.Metadata.DeletionTimestamp is not null
                    || Annotation(annotations, KubernetesNames.PoolKey) != pool.Name
                    || !Guid.TryParse(Annotation(annotations, KubernetesNames.RunIdKey), out var runId))
                {
                    continue;
                }

                var settings = KubernetesWatchSettings.Parse(Annotation(annotations, KubernetesNames.WatchSettingsKey));
                found.Add(new KubernetesStartedJob(client, item, runId, Annotation(annotations, KubernetesNames.WorkerKey) ?? "",
                    KubernetesJobStatus.Outcome(item) == KubernetesJobOutcome.Active ? null : KubernetesJobStatus.FinishedAt(item) ?? DateTimeOffset.MinValue,
                    settings.FinishedJobTtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : null));
            }
        }

        return found;
    }

    public void Dispose() => _clusters.Dispose();

    /// <summary>The API server's own message (a <c>Status</c> body), else the HTTP status.</summary>
    internal static string ApiError(HttpOperationException ex)
    {
        var content = ex.Response?.Content;
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                if (KubernetesJson.Deserialize<V1Status>(content) is { Message: { Length: > 0 } message })
                {
                    return message;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                return content;
            }
        }

        return $"HTTP {(int?)ex.Response?.StatusCode}";
    }

    private static string? Annotation(IDictionary<string, string> annotations, string key) => annotations.TryGetValue(key, out var value) ? value : null;

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
