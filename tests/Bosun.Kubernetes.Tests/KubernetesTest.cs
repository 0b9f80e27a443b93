using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Docker.Tests;
using Bosun.Kubernetes.Emulator;
using Bosun.Testing;
using Bosun.Worker;
using k8s;

namespace Bosun.Kubernetes.Tests;

/// <summary>
/// One Kubernetes test's world: a Bosun server, a Kubernetes API emulator whose node runs pods as containers on the
/// local dockerd (labelled with the test's id and removed by it), a kubeconfig for it, and a client of it.
/// </summary>
internal sealed class KubernetesTest : IAsyncDisposable
{
    private KubernetesTest(DockerTest docker, TestServer server, KubernetesEmulator emulator, string kubeconfig)
    {
        Docker = docker;
        Server = server;
        Emulator = emulator;
        Kubeconfig = kubeconfig;
        Kubernetes = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }

    public DockerTest Docker { get; }

    public TestServer Server { get; }

    public BosunClient Client => Server.Client;

    public KubernetesEmulator Emulator { get; }

    public string Kubeconfig { get; }

    public IKubernetes Kubernetes { get; }

    public static async Task<KubernetesTest> StartAsync(string cpu = "4", string memory = "8Gi", IReadOnlyList<(string, string, string)>? taints = null,
        Action<Server.Orchestration.BosunServerOptions>? configureServer = null)
    {
        var docker = await DockerTest.StartAsync();
        var server = await TestServer.StartAsync(configure: configureServer);
        var labels = docker.LabelsVariable.ToDictionary(l => l.Key, l => l.Value!.GetValue<string>());
        var emulator = await KubernetesEmulator.StartAsync(new EmulatedNodeOptions(labels, cpu, memory) { Taints = taints ?? [] });
        return new KubernetesTest(docker, server, emulator, emulator.WriteKubeconfig(server.Directory));
    }

    /// <summary>A kubernetes pool whose default cluster_config is this test's kubeconfig.</summary>
    public async Task<WorkPool> PoolAsync(string name, JsonObject? variableDefaults = null, Action<JsonObject>? changeTemplate = null)
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        changeTemplate?.Invoke(template);
        var properties = template["variables"]!["properties"]!.AsObject();
        properties["cluster_config"]!["default"] = Kubeconfig;
        foreach (var (variable, value) in variableDefaults ?? [])
        {
            properties[variable]!["default"] = value?.DeepClone();
        }

        return await Client.CreateWorkPoolAsync(new WorkPoolCreate(name, WorkPoolTypes.Kubernetes, BaseJobTemplate: template));
    }

    /// <summary>A kubernetes worker quick to heartbeat (so reconciliation runs every second) and to notice cancellations.</summary>
    public static WorkerOptions WorkerOptions(string pool, string? name = null) => new()
    {
        PoolName = pool,
        Type = WorkPoolTypes.Kubernetes,
        Name = name ?? $"k8s-test-worker-{Guid.NewGuid():N}"[..24],
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        ClaimWait = TimeSpan.FromSeconds(5),
        CancellationPollInterval = TimeSpan.FromMilliseconds(200),
        StopGracePeriod = TimeSpan.FromSeconds(3),
        DrainGracePeriod = TimeSpan.FromSeconds(5),
    };

    /// <summary>A deployment whose pod runs <paramref name="script"/> in the base image's busybox sh.</summary>
    public Task<Deployment> ShellDeploymentAsync(string pool, string script, JsonObject? jobVariables = null, string name = "dep")
    {
        var variables = jobVariables ?? [];
        variables["image"] ??= DockerTestEnvironment.BaseImage;
        variables["image_pull_policy"] ??= "Never";
        variables["command"] ??= BusyboxFlow.Shell(script);
        return Client.UpsertDeploymentAsync(new DeploymentUpsert("shell", name, "unused: the pod runs the command", WorkPoolName: pool, JobVariables: variables));
    }

    /// <summary>The Job recorded as the run's infrastructure (namespace/name), or null when it no longer exists.</summary>
    public JsonObject? Job(string infrastructureId)
    {
        var parts = infrastructureId.Split('/');
        return Emulator.Store.Get("jobs", parts[0], parts[1]);
    }

    public List<JsonObject> PodsOf(string infrastructureId)
    {
        var parts = infrastructureId.Split('/');
        return Emulator.Store.List("pods", parts[0], $"job-name={parts[1]}").Items;
    }

    public async ValueTask DisposeAsync()
    {
        Kubernetes.Dispose();
        await Emulator.DisposeAsync();
        await Server.DisposeAsync();
        await Docker.DisposeAsync();
    }
}

/// <summary>Shell snippets for flows that wait for the test (on a stub server on 127.0.0.1) before going on.</summary>
internal static class WaitingFlow
{
    /// <summary>Reports RUNNING, prints "started", waits until GET <paramref name="url"/> answers 200, prints "released".</summary>
    public static string RunningUntil(string url) =>
        $"{BusyboxFlow.Propose("RUNNING")}; echo started; until wget -q -O /dev/null {url}; do sleep 0.2; done; echo released";
}
