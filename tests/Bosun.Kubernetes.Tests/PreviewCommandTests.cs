using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Kubernetes.Tests;

/// <summary>`bosun work-pool preview --job` and `bosun deployment preview-job` show a kubernetes pool's Job as YAML.</summary>
public sealed class PreviewCommandTests
{
    [Fact]
    public async Task PreviewJob_KubernetesDeployment_JobManifestAsYaml()
    {
        await using var server = await TestServer.StartAsync();
        await RunAsync(server, "work-pool", "create", "--type", "kubernetes", "k8s-pool");
        await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "dep", "unused", WorkPoolName: "k8s-pool",
            JobVariables: new JsonObject { ["image"] = "flows:1", ["memory_limit"] = "1Gi", ["env"] = new JsonObject { ["MODE"] = "test" } }));

        var output = await RunAsync(server, "deployment", "preview-job", "flow/dep", "--job-variable", "backoff_limit=2");

        Assert.Contains("apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: flow-run-name-\n  namespace: default\n", output, StringComparison.Ordinal);
        Assert.Contains("  backoffLimit: 2\n", output, StringComparison.Ordinal);
        Assert.Contains("        - name: MODE\n          value: test\n", output, StringComparison.Ordinal);
        Assert.Contains("          limits:\n            memory: 1Gi\n", output, StringComparison.Ordinal);
        Assert.Contains("#   pod_start_timeout_seconds: 300", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolPreviewJob_KubernetesPool_TemplateDefaultsAsYaml()
    {
        await using var server = await TestServer.StartAsync();
        await RunAsync(server, "work-pool", "create", "--type", "kubernetes", "k8s-pool");

        var output = await RunAsync(server, "work-pool", "preview", "k8s-pool", "--job", "--job-variable", "image=flows:2");

        Assert.Contains("kind: Job\n", output, StringComparison.Ordinal);
        Assert.Contains("        image: flows:2\n", output, StringComparison.Ordinal);
        Assert.Contains("- name: bosun-job\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolPreviewJob_SecretVariableDefault_MaskedInTheYamlAndTheJson()
    {
        await using var server = await TestServer.StartAsync();
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        template["variables"]!["properties"]!["registry_token"] = new JsonObject { ["type"] = "string", ["writeOnly"] = true, ["default"] = "hunter2-secret" };
        template["job_configuration"]!["env"] = new JsonObject { ["REGISTRY_TOKEN"] = "{{ registry_token }}" };
        await server.Client.CreateWorkPoolAsync(new WorkPoolCreate("k8s-pool", WorkPoolTypes.Kubernetes, BaseJobTemplate: template));

        var yaml = await RunAsync(server, "work-pool", "preview", "k8s-pool", "--job", "--job-variable", "image=flows:2");
        var json = await RunAsync(server, "work-pool", "preview", "k8s-pool", "--job", "--job-variable", "image=flows:2", "--output", "json");

        Assert.Matches(@"        - name: REGISTRY_TOKEN\n          value: (\*{8}|'\*{8}'|""\*{8}"")\n", yaml);
        Assert.DoesNotContain("hunter2", yaml, StringComparison.Ordinal);
        Assert.Equal("********", JsonNode.Parse(json)!["env"]!["REGISTRY_TOKEN"]!.GetValue<string>());
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolPreviewJob_KubernetesPoolWithoutImage_ErrorSayingTheImageIsMissing()
    {
        await using var server = await TestServer.StartAsync();
        await RunAsync(server, "work-pool", "create", "--type", "kubernetes", "k8s-pool");

        await using var cli = ChildProcess.StartCli(["work-pool", "preview", "k8s-pool", "--job"], new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString() });
        var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, code);
        Assert.Contains("Error: The pool's job manifest cannot be made into a Job: the job has no image", cli.OutputText, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(TestServer server, params string[] arguments)
    {
        await using var cli = ChildProcess.StartCli(arguments, new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString() });
        var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"bosun {string.Join(' ', arguments)} exited {code}:\n{cli.OutputText}");
        return cli.OutputText.ReplaceLineEndings("\n") + "\n";
    }
}
