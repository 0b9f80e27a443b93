using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Docker.Tests;
using Bosun.Kubernetes.Emulator;
using Bosun.Testing;
using YamlDotNet.RepresentationModel;

namespace Bosun.Kubernetes.Tests;

/// <summary>The worker's Role in deploy/kubernetes/worker.yaml allows every request the worker makes, and nothing it never makes.</summary>
public sealed class RbacTests
{
    private const string Pool = "k8s-pool";

    [SkippableFact]
    public async Task WorkerRole_EveryRequestOfCompletionCancellationAdoptionAndCleanUp_IsAllowedAndEveryRuleIsUsed()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var quick = await k8s.ShellDeploymentAsync(Pool, $"{BusyboxFlow.Propose("RUNNING")}; echo hello; {BusyboxFlow.Propose("COMPLETED")}", name: "quick");
        var waiting = await k8s.ShellDeploymentAsync(Pool, $"trap \"exit 143\" TERM; ({WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}) & wait", name: "waiting");
        var options = KubernetesTest.WorkerOptions(Pool, "rbac-worker");
        var first = await TestWorker.StartAsync(k8s.Server, options);
        var completed = await k8s.Client.CreateFlowRunAsync(quick.Id, new FlowRunCreate());
        var cancelled = await k8s.Client.CreateFlowRunAsync(waiting.Id, new FlowRunCreate());
        var adopted = await k8s.Client.CreateFlowRunAsync(waiting.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(cancelled.Id, "started");
        await k8s.Client.LogsContainingAsync(adopted.Id, "started");
        await k8s.Client.CancelFlowRunAsync(cancelled.Id);
        Assert.Equal(StateType.Cancelled, (await k8s.Client.WaitForTerminalAsync(cancelled.Id)).State.Type);
        Assert.Equal(StateType.Completed, (await k8s.Client.WaitForTerminalAsync(completed.Id)).State.Type);
        await first.DisposeAsync();
        var orphan = await ReconciliationTests.CreateJobAsync(k8s, Guid.NewGuid(), "sleep 300", ttl: null);
        var before = k8s.Emulator.Requests.Count;

        await using var second = await TestWorker.StartAsync(k8s.Server, options);
        await k8s.Client.LogsContainingAsync(adopted.Id, "adopted kubernetes infrastructure");
        routes["/go"] = "{}";
        // Twice the adopted run stayed RUNNING after its release (60 s at load 14-17, 180 s on a quiet machine): its flow's
        // poll of the stub hung once the stub's only loop had died on the cancelled flow's poll (StubHttpServer now
        // answers each request on its own). Three minutes stay, for a loaded machine.
        Assert.Equal(StateType.Completed, (await k8s.Client.WaitForTerminalAsync(adopted.Id, TimeSpan.FromMinutes(3))).State.Type);
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(orphan) is null), "the orphan Job was deleted");

        var used = k8s.Emulator.Requests.Select(r => (r.Group, r.Resource, r.Verb)).ToHashSet();
        var granted = GrantedByWorkerRole();
        Assert.All(used, request => Assert.True(granted.Contains(request), $"the worker's Role does not allow {request.Verb} {request.Resource} (group '{request.Group}')"));
        // get jobs: the drain reads each Job it releases (and an adopted Job whose pod is gone is read for its outcome).
        Assert.All(granted,
            rule => Assert.True(used.Contains(rule), $"the worker's Role allows {rule.Verb} {rule.Resource}, which the worker never did"));
        Assert.True(k8s.Emulator.Requests.Count > before);
        Assert.All(k8s.Emulator.Requests, r => Assert.Equal("default", r.Namespace));
    }

    /// <summary>(group, resource, verb) of every rule of the Role in deploy/kubernetes/worker.yaml.</summary>
    private static HashSet<(string Group, string Resource, string Verb)> GrantedByWorkerRole()
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "kubernetes", "worker.yaml"))))
        {
            yaml.Load(reader);
        }

        var role = yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(d => ((YamlScalarNode)d["kind"]).Value == "Role");
        var granted = new HashSet<(string, string, string)>();
        foreach (var rule in ((YamlSequenceNode)role["rules"]).Cast<YamlMappingNode>())
        {
            foreach (var group in (YamlSequenceNode)rule["apiGroups"])
            {
                foreach (var resource in (YamlSequenceNode)rule["resources"])
                {
                    foreach (var verb in (YamlSequenceNode)rule["verbs"])
                    {
                        granted.Add((((YamlScalarNode)group).Value!, ((YamlScalarNode)resource).Value!, ((YamlScalarNode)verb).Value!));
                    }
                }
            }
        }

        return granted;
    }
}
