using System.ComponentModel;
using System.Text.Json.Nodes;

namespace Bosun.Sdk.Tests;

/// <summary>The parameter JSON Schema generated from a flow's signature, for each kind of parameter.</summary>
public sealed class ParameterSchemaTests
{
    public enum Colour
    {
        Red,
        Green,
    }

    public sealed record Address(string City, [property: Description("postal code")] string? Zip = null);

    [Flow("all-kinds")]
    private static void AllKinds(
        [Description("the repository")] string repoName,
        int count,
        long big = 5,
        double ratio = 0.5,
        bool verbose = true,
        DateTimeOffset? since = null,
        Guid id = default,
        Colour colour = Colour.Green,
        string[]? tags = null,
        List<int>? numbers = null,
        Dictionary<string, double>? weights = null,
        Address? address = null,
        FlowContext? context = null,
        CancellationToken cancellationToken = default)
    {
        _ = (repoName, count, big, ratio, verbose, since, id, colour, tags, numbers, weights, address, context, cancellationToken);
    }

    private static JsonObject Schema => Flows.Get(AllKinds).ParameterSchema;

    private static JsonNode Property(string name) => Schema["properties"]![name]!;

    [Fact]
    public void ParameterSchema_Object_ListsFlowParametersOnly()
    {
        var names = Schema["properties"]!.AsObject().Select(p => p.Key).ToList();

        Assert.Equal(["repoName", "count", "big", "ratio", "verbose", "since", "id", "colour", "tags", "numbers", "weights", "address"], names);
        Assert.Equal("object", Schema["type"]!.GetValue<string>());
        Assert.False(Schema["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public void ParameterSchema_Required_OnlyParametersWithoutDefault()
    {
        Assert.Equal(["repoName", "count"], Schema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Theory]
    [InlineData("repoName", "string")]
    [InlineData("count", "integer")]
    [InlineData("big", "integer")]
    [InlineData("ratio", "number")]
    [InlineData("verbose", "boolean")]
    [InlineData("colour", "string")]
    [InlineData("tags", """["array","null"]""")]
    [InlineData("since", """["string","null"]""")]
    [InlineData("address", """["object","null"]""")]
    public void ParameterSchema_Types_MapToJsonSchemaTypes(string name, string type)
    {
        var actual = Property(name)["type"]!;
        Assert.Equal(type, actual is JsonValue value ? value.GetValue<string>() : actual.ToJsonString());
    }

    [Fact]
    public void ParameterSchema_DefaultsAndDescriptions_Recorded()
    {
        Assert.Equal(5, Property("big")["default"]!.GetValue<long>());
        Assert.Equal(0.5, Property("ratio")["default"]!.GetValue<double>());
        Assert.True(Property("verbose")["default"]!.GetValue<bool>());
        Assert.Equal("Green", Property("colour")["default"]!.GetValue<string>());
        Assert.Null(Property("tags")["default"]);
        Assert.True(Property("tags").AsObject().ContainsKey("default"));
        Assert.Equal("the repository", Property("repoName")["description"]!.GetValue<string>());
        Assert.False(Property("count").AsObject().ContainsKey("default"));
    }

    [Fact]
    public void ParameterSchema_Collections_ItemTypes()
    {
        Assert.Equal("string", Property("tags")["items"]!["type"]!.GetValue<string>());
        Assert.Equal("integer", Property("numbers")["items"]!["type"]!.GetValue<string>());
        Assert.Equal("number", Property("weights")["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.Equal(["Red", "Green"], Property("colour")["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("date-time", Property("since")["format"]!.GetValue<string>());
        Assert.Equal("uuid", Property("id")["format"]!.GetValue<string>());
    }

    [Fact]
    public void ParameterSchema_Record_PropertiesInCamelCaseWithRequired()
    {
        var address = Property("address");

        Assert.Equal("string", address["properties"]!["city"]!["type"]!.GetValue<string>());
        Assert.Equal("postal code", address["properties"]!["zip"]!["description"]!.GetValue<string>());
        Assert.Equal(["city"], address["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void DefaultParameters_AreTheMethodDefaults()
    {
        var defaults = Flows.Get(AllKinds).DefaultParameters();

        Assert.False(defaults.ContainsKey("repoName"));
        Assert.Equal(5, defaults["big"]!.GetValue<long>());
    }

    [Fact]
    public void Get_MethodWithoutFlowAttribute_SaysHowToMarkIt()
    {
        var error = Assert.Throws<ArgumentException>(() => Flows.Get(DefaultParameters_AreTheMethodDefaults));

        Assert.Contains("[Flow(\"name\")]", error.Message, StringComparison.Ordinal);
    }
}
