using System.Collections.Concurrent;
using k8s;
using k8s.Exceptions;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// One client per cluster a worker talks to, chosen by the <c>cluster_config</c> (a kubeconfig path) and
/// <c>context</c> variables. Unset, the configuration is found as kubectl finds it: <c>KUBECONFIG</c> (a list of
/// files), then <c>~/.kube/config</c>, then the in-cluster service account of the pod the worker runs in.
/// </summary>
internal sealed class KubernetesClusters : IDisposable
{
    private readonly ConcurrentDictionary<Cluster, Lazy<Task<IKubernetes>>> _clients = new();
    private volatile bool _disposed;

    public Task<IKubernetes> ClientAsync(Cluster cluster)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _clients.GetOrAdd(cluster, c => new Lazy<Task<IKubernetes>>(() => CreateAsync(c))).Value;
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated && c.Value.IsCompletedSuccessfully))
        {
            // Completed (checked above): GetAwaiter().GetResult() does not block.
            client.Value.GetAwaiter().GetResult().Dispose();
        }
    }

    private static async Task<IKubernetes> CreateAsync(Cluster cluster)
    {
        try
        {
            return new k8s.Kubernetes(await ConfigurationAsync(cluster).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or FormatException or YamlDotNet.Core.YamlException)
        {
            throw new SubmissionException($"cannot load the Kubernetes configuration{Describe(cluster)}: {ex.Message}", ex);
        }
    }

    private static async Task<KubernetesClientConfiguration> ConfigurationAsync(Cluster cluster)
    {
        if (cluster.ConfigPath is { } path)
        {
            return await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(new FileInfo(path), cluster.Context).ConfigureAwait(false);
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list)
        {
            // Without a context the files are merged as kubectl merges them; the client merges only for the current context.
            var first = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(f => new FileInfo(f)).FirstOrDefault(f => f.Exists);
            if (first is not null)
            {
                return cluster.Context is null
                    ? KubernetesClientConfiguration.BuildDefaultConfig()
                    : await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(first, cluster.Context).ConfigureAwait(false);
            }
        }

        if (File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation))
        {
            return await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(new FileInfo(KubernetesClientConfiguration.KubeConfigDefaultLocation), cluster.Context).ConfigureAwait(false);
        }

        if (KubernetesClientConfiguration.IsInCluster() && cluster.Context is null)
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        throw new SubmissionException(
            $"no Kubernetes configuration{Describe(cluster)}: set the cluster_config job variable or KUBECONFIG, create ~/.kube/config, or run the worker in a pod with a service account");
    }

    private static string Describe(Cluster cluster) =>
        (cluster.ConfigPath, cluster.Context) switch
        {
            (null, null) => "",
            ({ } path, null) => $" '{path}'",
            (null, { } context) => $" (context '{context}')",
            var (path, context) => $" '{path}' (context '{context}')",
        };

    /// <summary>Where a Job is created: a kubeconfig (null: found as kubectl does) and a context in it (null: its current one).</summary>
    internal readonly record struct Cluster(string? ConfigPath, string? Context);
}
