using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>A run's Job found by listing; adopting it moves its worker label to the adopter under optimistic concurrency.</summary>
internal sealed record KubernetesStartedJob(IKubernetes Client, V1Job Job, Guid RunId, string WorkerName, DateTimeOffset? FinishedAt, TimeSpan? FinishedTtl)
    : StartedInfrastructure($"{Job.Metadata.NamespaceProperty}/{Job.Metadata.Name}", RunId, WorkerName, FinishedAt, FinishedTtl)
{
    public override async Task<InfrastructureHandle?> AdoptAsync(string workerName, long skipLines, Action<string, bool> output, Action<string> workerLog,
        Action<string> waitingReason, CancellationToken cancellationToken)
    {
        var metadata = Job.Metadata;
        KubernetesNames.SetWatcher(metadata, workerName);
        try
        {
            // The listed resourceVersion goes with the update: of two workers adopting at once, the second gets 409.
            await Client.BatchV1.ReplaceNamespacedJobAsync(Job, metadata.Name, metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return null;
        }

        var settings = KubernetesWatchSettings.Parse(metadata.Annotations!.TryGetValue(KubernetesNames.WatchSettingsKey, out var json) ? json : null);
        return new KubernetesJobHandle(Client, metadata.NamespaceProperty, metadata.Name, settings, output, workerLog, TimeProvider.System, skipLines, waitingReason);
    }

    public override Task DeleteAsync(CancellationToken cancellationToken) =>
        KubernetesJobHandle.DeleteJobAsync(Client, Job.Metadata.NamespaceProperty, Job.Metadata.Name, cancellationToken);
}
