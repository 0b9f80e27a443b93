using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.Tests.Templates;

public class DefaultJobTemplatesTests
{
    public static TheoryData<string> Types => [.. WorkPoolTypes.All];

    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    [Theory]
    [InlineData(WorkPoolTypes.Process, new[] { "command", "env", "labels", "name", "working_dir", "stream_output" })]
    [InlineData(WorkPoolTypes.Docker, new[]
    {
        "image", "image_pull_policy", "registry_credentials", "env", "labels", "name", "command", "network_mode",
        "networks", "volumes", "auto_remove", "stream_output", "mem_limit", "memswap_limit", "privileged",
    })]
    [InlineData(WorkPoolTypes.Kubernetes, new[]
    {
        "image", "image_pull_policy", "namespace", "service_account_name", "env", "labels", "name",
        "finished_job_ttl", "pod_watch_timeout_seconds", "stream_output", "cpu_request", "memory_request",
        "command", "cluster_config", "context", "cpu_limit", "memory_limit", "node_selector", "tolerations",
        "image_pull_secrets", "backoff_limit", "job_watch_timeout_seconds", "pod_start_timeout_seconds",
    })]
    public void For_KnownType_DeclaresTheSpecVariables(string type, string[] expected)
    {
        var template = DefaultJobTemplates.For(type);

        Assert.IsType<JsonObject>(template["job_configuration"]);
        var variables = Assert.IsType<JsonObject>(template["variables"]);
        Assert.Equal("object", variables["type"]!.GetValue<string>());
        var properties = Assert.IsType<JsonObject>(variables["properties"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), properties.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void For_EveryVariable_HasTitleDescriptionAndType(string type)
    {
        var properties = DefaultJobTemplates.For(type)["variables"]!["properties"]!.AsObject();

        foreach (var (name, property) in properties)
        {
            Assert.False(string.IsNullOrWhiteSpace(property?["title"]?.GetValue<string>()), $"{type}.{name} has no title");
            Assert.False(string.IsNullOrWhiteSpace(property?["description"]?.GetValue<string>()), $"{type}.{name} has no description");
            Assert.False(string.IsNullOrWhiteSpace(property?["type"]?.GetValue<string>()), $"{type}.{name} has no type");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void For_EveryPlaceholderInJobConfiguration_IsDeclared(string type)
    {
        var template = DefaultJobTemplates.For(type);
        var declared = template["variables"]!["properties"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        var used = JobTemplateRenderer.FindPlaceholders(template["job_configuration"]);

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.Contains(name, declared));
    }

    [Theory]
    [InlineData(WorkPoolTypes.Process, "stream_output", "true")]
    [InlineData(WorkPoolTypes.Docker, "stream_output", "true")]
    [InlineData(WorkPoolTypes.Docker, "auto_remove", "false")]
    [InlineData(WorkPoolTypes.Docker, "privileged", "false")]
    [InlineData(WorkPoolTypes.Kubernetes, "namespace", "\"default\"")]
    [InlineData(WorkPoolTypes.Kubernetes, "pod_watch_timeout_seconds", "60")]
    [InlineData(WorkPoolTypes.Kubernetes, "stream_output", "true")]
    [InlineData(WorkPoolTypes.Kubernetes, "pod_start_timeout_seconds", "300")]
    [InlineData(WorkPoolTypes.Kubernetes, "backoff_limit", "0")]
    public void For_Defaults_MatchTheSpec(string type, string variable, string expectedJson)
    {
        var property = DefaultJobTemplates.For(type)["variables"]!["properties"]![variable]!;

        Json.Equal(expectedJson, property["default"]);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void For_VariablesWithoutSpecDefault_HaveNoDefault(string type)
    {
        string[] withDefaults = ["stream_output", "auto_remove", "privileged", "namespace", "pod_watch_timeout_seconds", "pod_start_timeout_seconds", "backoff_limit"];
        var properties = DefaultJobTemplates.For(type)["variables"]!["properties"]!.AsObject();

        foreach (var (name, property) in properties.Where(p => !withDefaults.Contains(p.Key)))
        {
            Assert.False(property!.AsObject().ContainsKey("default"), $"{type}.{name} has a default");
        }
    }

    [Theory]
    [InlineData(WorkPoolTypes.Docker, new[] { "Always", "IfNotPresent", "Never" })]
    [InlineData(WorkPoolTypes.Kubernetes, new[] { "IfNotPresent", "Always", "Never" })]
    public void For_ImagePullPolicy_IsAnEnum(string type, string[] expected)
    {
        var policy = DefaultJobTemplates.For(type)["variables"]!["properties"]!["image_pull_policy"]!;

        Assert.Equal(expected, policy["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void For_RenderWithItsDefaults_Succeeds(string type)
    {
        var template = DefaultJobTemplates.For(type);
        var values = JobTemplateRenderer.MergeVariables(template["variables"]!.AsObject(), null, null);

        var rendered = JobTemplateRenderer.Render(template, values, s_noEnvironment);

        Assert.Equal(JsonValueKind.True, rendered["stream_output"]!.GetValueKind());
        Assert.False(rendered.ContainsKey("env"));
        Assert.False(rendered.ContainsKey("name"));
        Assert.Empty(JobTemplateRenderer.FindPlaceholders(rendered));
    }

    [Fact]
    public void For_DockerRenderedWithDefaultsAndDeployment_HasTypedSettings()
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Docker);
        var values = JobTemplateRenderer.MergeVariables(
            template["variables"]!.AsObject(),
            Json.Object("""{"image": "flows:1", "networks": ["a", "b"], "registry_credentials": {"username": "u", "password": "p", "registry": "ghcr.io"}}"""),
            Json.Object("""{"env.MODE": "test"}"""));

        var rendered = JobTemplateRenderer.Render(template, values, s_noEnvironment);

        Json.Equal(
            """
            {
              "image": "flows:1",
              "registry_credentials": {"username": "u", "password": "p", "registry": "ghcr.io"},
              "env": {"MODE": "test"},
              "networks": ["a", "b"],
              "auto_remove": false,
              "stream_output": true,
              "privileged": false
            }
            """,
            rendered);
    }

    [Fact]
    public void For_KubernetesRenderedWithDefaults_FillsTheJobManifest()
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        var values = JobTemplateRenderer.MergeVariables(
            template["variables"]!.AsObject(),
            Json.Object("""{"image": "flows:2", "name": "nightly", "finished_job_ttl": 300, "cpu_request": "500m"}"""),
            null);

        var rendered = JobTemplateRenderer.Render(template, values, s_noEnvironment);

        Json.Equal("\"default\"", rendered["namespace"]);
        Json.Equal("60", rendered["pod_watch_timeout_seconds"]);
        var manifest = rendered["job_manifest"]!;
        Json.Equal("\"batch/v1\"", manifest["apiVersion"]);
        Json.Equal("\"Job\"", manifest["kind"]);
        Json.Equal("""{"generateName": "nightly-", "namespace": "default"}""", manifest["metadata"]);
        Json.Equal("300", manifest["spec"]!["ttlSecondsAfterFinished"]);
        Json.Equal("0", manifest["spec"]!["backoffLimit"]);
        Json.Equal("300", rendered["pod_start_timeout_seconds"]);
        Assert.Null(rendered["job_watch_timeout_seconds"]);
        var pod = manifest["spec"]!["template"]!["spec"]!;
        Assert.Null(pod["nodeSelector"]);
        Assert.Null(pod["tolerations"]);
        Assert.Null(pod["imagePullSecrets"]);
        var container = pod["containers"]![0]!;
        Json.Equal("\"flows:2\"", container["image"]);
        Assert.Null(container["imagePullPolicy"]);
        Assert.Null(container["command"]);
        Json.Equal("""{"requests": {"cpu": "500m"}, "limits": {}}""", container["resources"]);
    }

    [Fact]
    public void For_KubernetesEveryVariableSet_LandsInTheJobManifestOrTheWatchSettings()
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        var values = JobTemplateRenderer.MergeVariables(template["variables"]!.AsObject(), Json.Object("""
            {
              "image": "flows:3", "image_pull_policy": "Always", "namespace": "flows", "service_account_name": "runner",
              "env": {"MODE": "nightly"}, "labels": {"team": "data"}, "name": "nightly", "command": "dotnet /app/Flows.dll",
              "cluster_config": "/etc/bosun/kubeconfig", "context": "prod", "finished_job_ttl": 600,
              "pod_watch_timeout_seconds": 30, "pod_start_timeout_seconds": 120, "job_watch_timeout_seconds": 3600,
              "stream_output": false, "cpu_request": "250m", "memory_request": "256Mi", "cpu_limit": "1", "memory_limit": "1Gi",
              "node_selector": {"disktype": "ssd"},
              "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "flows", "effect": "NoSchedule"}],
              "image_pull_secrets": ["regcred"], "backoff_limit": 2
            }
            """), null);

        var rendered = JobTemplateRenderer.Render(template, values, s_noEnvironment);

        Json.Equal("""
            {
              "cluster_config": "/etc/bosun/kubeconfig", "context": "prod", "namespace": "flows", "labels": {"team": "data"},
              "env": {"MODE": "nightly"}, "name": "nightly", "stream_output": false, "finished_job_ttl": 600,
              "pod_watch_timeout_seconds": 30, "pod_start_timeout_seconds": 120, "job_watch_timeout_seconds": 3600,
              "job_manifest": {
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"generateName": "nightly-", "namespace": "flows", "labels": {"team": "data"}},
                "spec": {
                  "backoffLimit": 2, "parallelism": 1, "completions": 1, "ttlSecondsAfterFinished": 600,
                  "template": {
                    "metadata": {"labels": {"team": "data"}},
                    "spec": {
                      "restartPolicy": "Never", "serviceAccountName": "runner", "nodeSelector": {"disktype": "ssd"},
                      "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "flows", "effect": "NoSchedule"}],
                      "imagePullSecrets": ["regcred"],
                      "containers": [{
                        "name": "bosun-job", "image": "flows:3", "imagePullPolicy": "Always", "command": "dotnet /app/Flows.dll",
                        "env": {"MODE": "nightly"},
                        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
                      }]
                    }
                  }
                }
              }
            }
            """, rendered);
    }

    [Fact]
    public void For_CalledTwice_ReturnsIndependentCopies()
    {
        var first = DefaultJobTemplates.For(WorkPoolTypes.Process);
        first["job_configuration"]!.AsObject()["command"] = "changed";
        first.Remove("variables");

        var second = DefaultJobTemplates.For(WorkPoolTypes.Process);

        Json.Equal("\"{{ command }}\"", second["job_configuration"]!["command"]);
        Assert.True(second.ContainsKey("variables"));
    }

    [Theory]
    [InlineData("ecs")]
    [InlineData("Docker")]
    [InlineData("")]
    public void For_UnknownType_ThrowsArgumentException(string type)
    {
        var error = Assert.Throws<ArgumentException>(() => DefaultJobTemplates.For(type));

        Assert.Equal("type", error.ParamName);
    }
}
