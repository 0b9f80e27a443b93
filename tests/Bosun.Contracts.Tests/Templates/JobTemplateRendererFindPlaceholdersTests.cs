using Bosun.Contracts.Templates;

namespace Bosun.Contracts.Tests.Templates;

public class JobTemplateRendererFindPlaceholdersTests
{
    [Fact]
    public void FindPlaceholders_NestedTemplate_ReturnsDistinctRootNamesInFirstSeenOrder()
    {
        var node = Json.Node("""
            {
              "image": "{{ image }}",
              "spec": {
                "user": "{{ registry_credentials.username }}",
                "args": ["{{ command }}", "--id={{ a.b[0] }}-{{ image }}", ["{{a}}"]],
                "again": "{{ registry_credentials.password }}"
              },
              "n": 3
            }
            """);

        var names = JobTemplateRenderer.FindPlaceholders(node);

        Assert.Equal(["image", "registry_credentials", "command", "a"], names);
    }

    [Fact]
    public void FindPlaceholders_EnvironmentSecretAndNonPlaceholders_Excluded()
    {
        var node = Json.Node("""
            ["{{ $HOME }}", "{{ secret.TOKEN }}", "x{{secret.OTHER}}y", "{{ not a name }}", "{{ }}", "{{ kept }}"]
            """);

        var names = JobTemplateRenderer.FindPlaceholders(node);

        Assert.Equal(["kept"], names);
    }

    [Fact]
    public void FindPlaceholders_ObjectKeys_AreNotPlaceholders()
    {
        var names = JobTemplateRenderer.FindPlaceholders(Json.Node("""{"{{ key }}": "value"}"""));

        Assert.Empty(names);
    }

    [Fact]
    public void FindPlaceholders_Null_ReturnsEmpty()
    {
        Assert.Empty(JobTemplateRenderer.FindPlaceholders(null));
    }
}
