using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;

namespace Bosun.Contracts.Tests.Templates;

public class JobTemplateRendererMergeTests
{
    private static readonly JsonObject s_schema = Json.Object("""
        {
          "type": "object",
          "properties": {
            "image": { "type": "string", "default": "from-default" },
            "stream_output": { "type": "boolean", "default": true },
            "name": { "type": "string", "default": null },
            "command": { "type": "string" },
            "env": { "type": "object", "default": { "A": "default-a", "B": "default-b" } }
          }
        }
        """);

    [Fact]
    public void MergeVariables_DefaultsThenDeploymentThenRun_LaterLayerWins()
    {
        var values = JobTemplateRenderer.MergeVariables(
            Json.Object("""{"properties": {"a": {"default": 1}, "b": {"default": 1}, "c": {"default": 1}}}"""),
            Json.Object("""{"b": 2, "c": 2, "d": 2}"""),
            Json.Object("""{"c": 3, "e": 3}"""));

        Json.Equal("""{"a": 1, "b": 2, "c": 3, "d": 2, "e": 3}""", values);
    }

    [Fact]
    public void MergeVariables_SchemaDefaults_OnlyNonNullDefaultsBecomeValues()
    {
        var values = JobTemplateRenderer.MergeVariables(s_schema, null, null);

        Json.Equal("""{"image": "from-default", "stream_output": true, "env": {"A": "default-a", "B": "default-b"}}""", values);
    }

    [Fact]
    public void MergeVariables_ObjectValue_ReplacedWholeNotMerged()
    {
        var values = JobTemplateRenderer.MergeVariables(
            null,
            Json.Object("""{"labels": {"team": "a", "tier": "1"}}"""),
            Json.Object("""{"labels": {"team": "b"}}"""));

        Json.Equal("""{"labels": {"team": "b"}}""", values);
    }

    [Fact]
    public void MergeVariables_EnvInEveryLayer_MergedKeyByKey()
    {
        var values = JobTemplateRenderer.MergeVariables(
            s_schema,
            Json.Object("""{"env": {"B": "deployment-b", "C": "deployment-c"}}"""),
            Json.Object("""{"env": {"C": "run-c", "D": "run-d"}}"""));

        Json.Equal("""{"A": "default-a", "B": "deployment-b", "C": "run-c", "D": "run-d"}""", values["env"]);
    }

    [Fact]
    public void MergeVariables_EnvValueNull_RemovesVariable()
    {
        var values = JobTemplateRenderer.MergeVariables(
            s_schema,
            Json.Object("""{"env": {"C": "deployment-c"}}"""),
            Json.Object("""{"env": {"A": null, "C": null, "Z": null}}"""));

        Json.Equal("""{"B": "default-b"}""", values["env"]);
    }

    [Fact]
    public void MergeVariables_EnvDotNameKeys_MergedIntoEnv()
    {
        var values = JobTemplateRenderer.MergeVariables(
            s_schema,
            Json.Object("""{"env.B": "deployment-b", "env.C": "deployment-c"}"""),
            Json.Object("""{"env.A": null, "env.D": "run-d"}"""));

        Json.Equal("""{"B": "deployment-b", "C": "deployment-c", "D": "run-d"}""", values["env"]);
        Assert.False(values.ContainsKey("env.B"));
        Assert.False(values.ContainsKey("env.D"));
    }

    [Fact]
    public void MergeVariables_EnvDotNameWithoutEarlierEnv_CreatesEnv()
    {
        var values = JobTemplateRenderer.MergeVariables(null, null, Json.Object("""{"env.TOKEN": "x"}"""));

        Json.Equal("""{"env": {"TOKEN": "x"}}""", values);
    }

    [Fact]
    public void MergeVariables_EnvNull_KeepsEarlierEnv()
    {
        var values = JobTemplateRenderer.MergeVariables(s_schema, Json.Object("""{"env": null}"""), null);

        Json.Equal("""{"A": "default-a", "B": "default-b"}""", values["env"]);
    }

    [Fact]
    public void MergeVariables_ExplicitNullForOtherKey_ReplacesWithNull()
    {
        var values = JobTemplateRenderer.MergeVariables(s_schema, null, Json.Object("""{"image": null}"""));

        Assert.True(values.TryGetPropertyValue("image", out var image));
        Assert.Null(image);
    }

    [Fact]
    public void MergeVariables_AllNull_ReturnsEmptyObject()
    {
        var values = JobTemplateRenderer.MergeVariables(null, null, null);

        Assert.Empty(values);
    }

    [Fact]
    public void MergeVariables_Inputs_AreNotMutatedNorShared()
    {
        const string SchemaJson = """{"properties": {"env": {"default": {"A": "1"}}, "list": {"default": [1, 2]}}}""";
        const string DeploymentJson = """{"env": {"B": "2"}, "nested": {"x": 1}}""";
        const string RunJson = """{"env": {"A": null}, "env.C": "3"}""";
        var schema = Json.Object(SchemaJson);
        var deployment = Json.Object(DeploymentJson);
        var run = Json.Object(RunJson);

        var values = JobTemplateRenderer.MergeVariables(schema, deployment, run);
        values["env"]!.AsObject()["B"] = "changed";
        values["nested"]!.AsObject()["x"] = 99;
        values["list"]!.AsArray().Add(3);

        Json.Equal(SchemaJson, schema);
        Json.Equal(DeploymentJson, deployment);
        Json.Equal(RunJson, run);
    }
}
