using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;
using Bosun.Worker.Infrastructure.Kubernetes;
using k8s;

namespace Bosun.Kubernetes.Tests;

/// <summary>
/// The Job the worker creates from the default kubernetes template, checked against the Job schema: the client's models
/// are generated from the Kubernetes OpenAPI document, so a manifest that survives the typed round trip unchanged has no
/// unknown field and no value of the wrong type.
/// </summary>
public sealed class JobManifestTests
{
    private static readonly Dictionary<string, string?> StandardEnvironment = new() { ["BOSUN_FLOW_RUN_ID"] = "run-id", ["BOSUN_API_URL"] = "http://bosun/api" };

    private static readonly Dictionary<string, string> StandardLabels = new() { ["io.bosun.flow-run-id"] = "run-id", ["io.bosun.work-pool-name"] = "my pool / nightly" };

    private static JsonObject Render(string variables)
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        var values = JobTemplateRenderer.MergeVariables(template["variables"]!.AsObject(), JsonNode.Parse(variables)!.AsObject(), null);
        return JobTemplateRenderer.Render(template, values, _ => null);
    }

    [Fact]
    public void Build_EveryVariable_LandsInTheJobAndTheJobMatchesTheSchema()
    {
        var configuration = Render("""
            {
              "image": "flows:3", "image_pull_policy": "Always", "namespace": "flows", "service_account_name": "runner",
              "env": {"MODE": "nightly"}, "labels": {"team": "data"}, "name": "Nightly Report!", "command": "dotnet '/app/My Flows.dll'",
              "finished_job_ttl": 600, "pod_watch_timeout_seconds": 30, "pod_start_timeout_seconds": 120, "job_watch_timeout_seconds": 3600,
              "stream_output": false, "cpu_request": "250m", "memory_request": "256Mi", "cpu_limit": "1", "memory_limit": "1Gi",
              "node_selector": {"disktype": "ssd"},
              "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "flows", "effect": "NoSchedule"}],
              "image_pull_secrets": ["regcred"], "backoff_limit": 2
            }
            """);

        var manifest = KubernetesJobManifest.Build(configuration, StandardEnvironment, StandardLabels, "crimson-fox");
        var job = KubernetesJobManifest.ToJob(manifest);

        Assert.True(JsonNode.DeepEquals(manifest, JsonNode.Parse(KubernetesJson.Serialize(job))), $"not a valid batch/v1 Job:\n{manifest}");
        Assert.Equal("nightly-report-", job.Metadata.GenerateName);
        Assert.Equal("flows", job.Metadata.NamespaceProperty);
        Assert.Equal("data", job.Metadata.Labels["team"]);
        Assert.Equal("my-pool---nightly", job.Metadata.Labels["io.bosun.work-pool-name"]);
        Assert.Equal("my pool / nightly", job.Metadata.Annotations["io.bosun.work-pool-name"]);
        Assert.Equal(job.Metadata.Labels["io.bosun.flow-run-id"], job.Spec.Template.Metadata.Labels["io.bosun.flow-run-id"]);
        Assert.Equal(2, job.Spec.BackoffLimit);
        Assert.Equal(600, job.Spec.TtlSecondsAfterFinished);
        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.Equal("runner", pod.ServiceAccountName);
        Assert.Equal("ssd", pod.NodeSelector["disktype"]);
        Assert.Equal("NoSchedule", Assert.Single(pod.Tolerations).Effect);
        Assert.Equal("regcred", Assert.Single(pod.ImagePullSecrets).Name);
        var container = Assert.Single(pod.Containers);
        Assert.Equal(("flows:3", "Always"), (container.Image, container.ImagePullPolicy));
        Assert.Equal(["dotnet", "/app/My Flows.dll"], container.Command);
        Assert.Equal(["BOSUN_API_URL=http://bosun/api", "BOSUN_FLOW_RUN_ID=run-id", "MODE=nightly"], container.Env.Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal("250m", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("1Gi", container.Resources.Limits["memory"].ToString());
    }

    [Fact]
    public void Build_DefaultsOnly_JobNamedAfterTheRunWithoutEmptySections()
    {
        var manifest = KubernetesJobManifest.Build(Render("""{"image": "flows:1"}"""), StandardEnvironment, StandardLabels, "Crimson Fox");

        var job = KubernetesJobManifest.ToJob(manifest);
        Assert.True(JsonNode.DeepEquals(manifest, JsonNode.Parse(KubernetesJson.Serialize(job))), manifest.ToJsonString());
        Assert.Equal("crimson-fox-", job.Metadata.GenerateName);
        Assert.Equal("default", job.Metadata.NamespaceProperty);
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Null(job.Spec.TtlSecondsAfterFinished);
        Assert.Null(job.Spec.Template.Spec.Containers[0].Resources);
        Assert.Null(job.Spec.Template.Spec.Containers[0].Command);
    }

    [Theory]
    [InlineData("""{}""", "the job has no image: deploy the flow with an image, or set the 'image' job variable")]
    [InlineData("""{"image": "flows:1", "backoff_limit": "many"}""", "job_manifest is not a valid batch/v1 Job:")]
    public void Build_BadConfiguration_SubmissionExceptionSayingWhy(string variables, string expected)
    {
        var error = Assert.Throws<SubmissionException>(() =>
            KubernetesJobManifest.ToJob(KubernetesJobManifest.Build(Render(variables), StandardEnvironment, StandardLabels, "run")));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_Manifest_BlockYamlWithAmbiguousStringsQuoted()
    {
        var yaml = KubernetesJobManifest.ToYaml(JsonNode.Parse("""{"a": {"b": ["x", "1"]}, "n": 1, "t": "true", "e": "", "s": "plain text"}"""));

        Assert.Equal("a:\n  b:\n  - x\n  - \"1\"\nn: 1\nt: \"true\"\ne: \"\"\ns: plain text\n", yaml.ReplaceLineEndings("\n"));
    }
}
