using System.Text.Json.Nodes;

namespace Bosun.Sdk.Tests;

/// <summary>bosun.yaml's deploy-time step outputs: <c>{{ build-image.image }}</c> and <c>{{ env.NAME }}</c>.</summary>
public sealed class StepOutputsTests
{
    private static readonly Dictionary<string, JsonObject> Built = new(StringComparer.Ordinal)
    {
        ["build-image"] = new JsonObject { ["image"] = "127.0.0.1:5055/app:v1", ["image_name"] = "127.0.0.1:5055/app", ["tag"] = "v1" },
    };

    [Fact]
    public void Render_KnownStepOutput_FilledAndWorkerReferencesKept()
    {
        var deployment = JsonNode.Parse("""
            {"work_pool": {"job_variables": {"image": "{{ build-image.image }}", "env": {"TAG": "tag {{build-image.tag}}", "DB": "{{ secret.db }}"}}},
             "command": "dotnet {{ publish.dll }}", "tags": ["{{ build-image.image_name }}"]}
            """);

        var rendered = StepOutputs.Render(deployment, Built, deployTime: false)!;

        Assert.Equal("127.0.0.1:5055/app:v1", (string?)rendered["work_pool"]!["job_variables"]!["image"]);
        Assert.Equal("tag v1", (string?)rendered["work_pool"]!["job_variables"]!["env"]!["TAG"]);
        // The worker resolves these at run time.
        Assert.Equal("{{ secret.db }}", (string?)rendered["work_pool"]!["job_variables"]!["env"]!["DB"]);
        Assert.Equal("dotnet {{ publish.dll }}", (string?)rendered["command"]);
        Assert.Equal("127.0.0.1:5055/app", (string?)rendered["tags"]![0]);
    }

    [Fact]
    public void Render_UnknownOutputOfAStep_RefusedNamingItsOutputs()
    {
        var error = Assert.Throws<DeploymentException>(() => StepOutputs.Render(JsonValue.Create("{{ build-image.digest }}"), Built, deployTime: false));

        Assert.Equal("{{ build-image.digest }}: step 'build-image' has no output 'digest' (it has image, image_name, tag).", error.Message);
    }

    [Fact]
    public void Render_EnvInDeployTimeStep_ReadFromTheEnvironment()
    {
        var name = $"BOSUN_STEP_OUTPUTS_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, "registry-user");
        try
        {
            Assert.Equal("registry-user", (string?)StepOutputs.Render(JsonValue.Create($"{{{{ env.{name} }}}}"), Built, deployTime: true));
            var missing = Assert.Throws<DeploymentException>(() => StepOutputs.Render(JsonValue.Create($"{{{{ env.{name}_UNSET }}}}"), Built, deployTime: true));
            Assert.Equal($"{{{{ env.{name}_UNSET }}}}: the environment variable {name}_UNSET is not set.", missing.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Render_SecretInDeployTimeStep_TheValueReadForIt_UnreadOneRefused()
    {
        var push = JsonNode.Parse("""{"username": "ci", "password": "{{ secret.registry-password }}", "image": "{{ build-image.image }}"}""");
        var read = new Dictionary<string, string>(StringComparer.Ordinal) { ["registry-password"] = "s3cr3t" };

        Assert.Equal(["registry-password"], StepOutputs.SecretNames(push));
        var rendered = StepOutputs.Render(push, Built, deployTime: true, read)!;

        Assert.Equal("s3cr3t", (string?)rendered["password"]);
        Assert.Equal("127.0.0.1:5055/app:v1", (string?)rendered["image"]);
        var error = Assert.Throws<DeploymentException>(() => StepOutputs.Render(JsonValue.Create("{{ secret.other }}"), Built, deployTime: true, read));
        Assert.StartsWith("{{ secret.other }}: the secret was not read from the server", error.Message, StringComparison.Ordinal);
    }
}
