using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;

namespace Bosun.Contracts.Tests.Templates;

public class JobTemplateRendererRenderTests
{
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    private static JsonObject Render(string jobConfigurationJson, string valuesJson, Func<string, string?>? environment = null) =>
        JobTemplateRenderer.Render(
            Json.Object("""{"job_configuration": """ + jobConfigurationJson + """, "variables": {"type": "object", "properties": {}}}"""),
            Json.Object(valuesJson),
            environment ?? s_noEnvironment);

    [Theory]
    [InlineData("3")]
    [InlineData("2.5")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("\"text\"")]
    [InlineData("""{"a": 1, "b": {"c": [true]}}""")]
    [InlineData("""[1, "two", {"three": 3}]""")]
    public void Render_WholeStringPlaceholder_KeepsJsonType(string valueJson)
    {
        var rendered = Render("""{"setting": "{{ x }}"}""", $$"""{"x": {{valueJson}}}""");

        Json.Equal(valueJson, rendered["setting"]);
    }

    [Theory]
    [InlineData("{{x}}")]
    [InlineData("{{ x }}")]
    [InlineData("{{   x\t}}")]
    [InlineData("{{\n x \n}}")]
    public void Render_SpacesInsideBraces_StillOnePlaceholder(string placeholder)
    {
        var template = new JsonObject { ["job_configuration"] = new JsonObject { ["setting"] = placeholder } };

        var rendered = JobTemplateRenderer.Render(template, Json.Object("""{"x": 42}"""), s_noEnvironment);

        Json.Equal("42", rendered["setting"]);
    }

    [Fact]
    public void Render_MissingValue_RemovesKey()
    {
        var rendered = Render("""{"image": "{{ image }}", "kept": "{{ kept }}"}""", """{"kept": "yes"}""");

        Json.Equal("""{"kept": "yes"}""", rendered);
    }

    [Fact]
    public void Render_MissingValueInArray_RemovesElement()
    {
        var rendered = Render("""{"args": ["first", "{{ missing }}", "{{ present }}", "last"]}""", """{"present": "p"}""");

        Json.Equal("""{"args": ["first", "p", "last"]}""", rendered);
    }

    [Fact]
    public void Render_ExplicitNullValue_StaysNull()
    {
        var rendered = Render("""{"image": "{{ image }}"}""", """{"image": null}""");

        Assert.True(rendered.TryGetPropertyValue("image", out var image));
        Assert.Null(image);
    }

    [Fact]
    public void Render_PlaceholderInsideLongerString_ReplacedWithJsonText()
    {
        var rendered = Render(
            """{"line": "s={{ s }} n={{ n }} b={{ b }} o={{ o }} l={{ l }} u={{ s }}"}""",
            """{"s": "héllo <x>", "n": 3, "b": true, "o": {"a": 1, "q": "<"}, "l": [1, "x"]}""");

        Json.Equal("""{"line": "s=héllo <x> n=3 b=true o={\"a\":1,\"q\":\"<\"} l=[1,\"x\"] u=héllo <x>"}""", rendered);
    }

    [Fact]
    public void Render_PlaceholderInsideLongerStringMissingOrNull_BecomesEmptyText()
    {
        var rendered = Render("""{"name": "[{{ missing }}]-[{{ nothing }}]-end"}""", """{"nothing": null}""");

        Json.Equal("""{"name": "[]-[]-end"}""", rendered);
    }

    [Fact]
    public void Render_EnvironmentPlaceholder_ReadsEnvironment()
    {
        var environment = new Dictionary<string, string> { ["HOME_DIR"] = "/home/bosun", ["PORT"] = "8080" };

        var rendered = Render(
            """{"dir": "{{ $HOME_DIR }}", "url": "http://localhost:{{$PORT}}/api"}""",
            "{}",
            name => environment.GetValueOrDefault(name));

        Json.Equal("""{"dir": "/home/bosun", "url": "http://localhost:8080/api"}""", rendered);
    }

    [Fact]
    public void Render_EnvironmentPlaceholderUnset_RemovedOrEmpty()
    {
        var asked = new List<string>();

        var rendered = Render(
            """{"dir": "{{ $UNSET }}", "url": "x{{ $UNSET }}y"}""",
            """{"UNSET": "a job variable, not the environment"}""",
            name =>
            {
                asked.Add(name);
                return null;
            });

        Json.Equal("""{"url": "xy"}""", rendered);
        Assert.Equal(["UNSET", "UNSET"], asked);
    }

    [Theory]
    [InlineData("{{ a.b }}", "\"ab\"")]
    [InlineData("{{ a.list[0] }}", "10")]
    [InlineData("{{ a.list[2].name }}", "\"deep\"")]
    [InlineData("{{ a.nested }}", """{"k": [1]}""")]
    [InlineData("{{ a.nested.k[0] }}", "1")]
    [InlineData("{{ top[1] }}", "\"y\"")]
    [InlineData("{{ registry_credentials.username }}", "\"bosun\"")]
    public void Render_DottedPathAndIndex_ReadsInsideValues(string placeholder, string expectedJson)
    {
        var rendered = Render(
            $$"""{"setting": "{{placeholder}}"}""",
            """
            {
              "a": {"b": "ab", "list": [10, 20, {"name": "deep"}], "nested": {"k": [1]}},
              "top": ["x", "y"],
              "registry_credentials": {"username": "bosun", "password": "pw"}
            }
            """);

        Json.Equal(expectedJson, rendered["setting"]);
    }

    [Theory]
    [InlineData("{{ a.missing }}")]
    [InlineData("{{ a.list[7] }}")]
    [InlineData("{{ a.b.c }}")]
    [InlineData("{{ a.b[0] }}")]
    [InlineData("{{ a.list.b }}")]
    [InlineData("{{ a.nothing.b }}")]
    [InlineData("{{ a.list[99999999999999999999] }}")]
    public void Render_DottedPathNotFound_RemovesKey(string placeholder)
    {
        var rendered = Render(
            $$"""{"setting": "{{placeholder}}", "other": 1}""",
            """{"a": {"b": "ab", "list": [10], "nothing": null}}""");

        Json.Equal("""{"other": 1}""", rendered);
    }

    [Fact]
    public void Render_NestedObjectsAndArrays_RenderedThroughout()
    {
        var rendered = Render(
            """
            {
              "spec": {
                "template": {
                  "containers": [
                    {"image": "{{ image }}", "args": ["run", "{{ id }}", ["{{ id }}", "{{ missing }}"]], "pull": "{{ missing }}"},
                    {"image": "sidecar:{{ tag }}"}
                  ]
                },
                "ttl": "{{ ttl }}"
              }
            }
            """,
            """{"image": "app:1", "id": 7, "tag": "v2", "ttl": 60}""");

        Json.Equal(
            """
            {
              "spec": {
                "template": {
                  "containers": [
                    {"image": "app:1", "args": ["run", 7, [7]]},
                    {"image": "sidecar:v2"}
                  ]
                },
                "ttl": 60
              }
            }
            """,
            rendered);
    }

    [Fact]
    public void Render_SecretPlaceholder_LeftUntouched()
    {
        var rendered = Render(
            """{"token": "{{ secret.API_TOKEN }}", "header": "Bearer {{secret.API_TOKEN}} for {{ user }}"}""",
            """{"secret": {"API_TOKEN": "must-not-be-used"}, "user": "me"}""");

        Json.Equal("""{"token": "{{ secret.API_TOKEN }}", "header": "Bearer {{secret.API_TOKEN}} for me"}""", rendered);
    }

    [Theory]
    [InlineData("{{ }}")]
    [InlineData("{{ not a name }}")]
    [InlineData("{{ a + b }}")]
    [InlineData("{{ $lower.path }}")]
    [InlineData("{ x }")]
    [InlineData("plain text")]
    public void Render_TextThatIsNotAPlaceholder_LeftAsText(string text)
    {
        var rendered = Render($$"""{"setting": "{{text}}"}""", """{"x": 1, "a": 1, "b": 2, "not": 3}""");

        Assert.Equal(text, rendered["setting"]!.GetValue<string>());
    }

    [Fact]
    public void Render_ValueContainingPlaceholderText_IsNotRenderedAgain()
    {
        var rendered = Render("""{"a": "{{ a }}", "b": "x {{ a }}"}""", """{"a": "{{ b }}", "b": "other"}""");

        Json.Equal("""{"a": "{{ b }}", "b": "x {{ b }}"}""", rendered);
    }

    [Fact]
    public void Render_NonStringTemplateValues_CopiedAsTheyAre()
    {
        var rendered = Render("""{"n": 1, "f": 1.5, "b": false, "z": null, "o": {}, "l": []}""", "{}");

        Json.Equal("""{"n": 1, "f": 1.5, "b": false, "z": null, "o": {}, "l": []}""", rendered);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"job_configuration": null}""")]
    [InlineData("""{"job_configuration": {}, "variables": {}}""")]
    public void Render_EmptyTemplate_RendersEmptyObject(string templateJson)
    {
        var rendered = JobTemplateRenderer.Render(Json.Object(templateJson), Json.Object("""{"x": 1}"""), s_noEnvironment);

        Json.Equal("{}", rendered);
    }

    [Fact]
    public void Render_JobConfigurationNotAnObject_Throws()
    {
        var template = Json.Object("""{"job_configuration": ["{{ x }}"]}""");

        var error = Assert.Throws<ArgumentException>(() => JobTemplateRenderer.Render(template, [], s_noEnvironment));

        Assert.Contains("job_configuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Inputs_AreNotMutatedNorShared()
    {
        const string TemplateJson = """{"job_configuration": {"o": "{{ o }}", "gone": "{{ missing }}", "list": ["{{ missing }}", 1]}}""";
        const string ValuesJson = """{"o": {"inner": [1, 2]}}""";
        var template = Json.Object(TemplateJson);
        var values = Json.Object(ValuesJson);

        var rendered = JobTemplateRenderer.Render(template, values, s_noEnvironment);
        rendered["o"]!.AsObject()["inner"]!.AsArray().Add(3);
        rendered["list"]!.AsArray().Add(2);

        Json.Equal(TemplateJson, template);
        Json.Equal(ValuesJson, values);
    }
}
