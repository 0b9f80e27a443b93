using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// The API only grows: the document shipped in docs/api/openapi.json is compared with the live one, and a route, a
/// parameter, a schema or a field that disappeared must be listed in docs/api/deprecations.json (docs/api.md has the
/// policy). BOSUN_UPDATE_SHIPPED_OPENAPI=1 rewrites the shipped document from the live one after that check.
/// </summary>
public sealed class ShippedDocumentTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    private static readonly string ApiDocs = Path.Combine(RepoPaths.Root, "docs", "api");

    [Fact]
    public async Task LiveDocument_AgainstShipped_RemovesNothingWithoutADeprecationEntry()
    {
        var shippedPath = Path.Combine(ApiDocs, "openapi.json");
        var shipped = JsonNode.Parse(await File.ReadAllTextAsync(shippedPath))!.AsObject();
        var deprecated = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ApiDocs, "deprecations.json")))!["removals"]!.AsArray()
            .Select(entry => entry!["item"]!.GetValue<string>())
            .ToHashSet();

        var undeclared = ContractDiff.Removals(shipped, live.Document).Where(item => !deprecated.Contains(item)).ToList();

        Assert.True(undeclared.Count == 0,
            "Removed from the API without an entry in docs/api/deprecations.json (see the policy in docs/api.md): " + string.Join(", ", undeclared));
        if (Environment.GetEnvironmentVariable("BOSUN_UPDATE_SHIPPED_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(shippedPath, Normalize(live.Document));
        }
    }

    [Fact]
    public void Removals_RouteParameterSchemaAndFieldGone_EachListed()
    {
        var older = JsonNode.Parse("""
            {"paths": {"/api/a": {"get": {"parameters": [{"name": "limit"}, {"name": "offset"}]}, "delete": {}}},
             "components": {"schemas": {"A": {"properties": {"id": {}, "name": {}}}, "B": {"properties": {}}}}}
            """)!.AsObject();
        var newer = JsonNode.Parse("""
            {"paths": {"/api/a": {"get": {"parameters": [{"name": "limit"}]}}, "/api/new": {"get": {}}},
             "components": {"schemas": {"A": {"properties": {"id": {}, "added": {}}}}}}
            """)!.AsObject();

        Assert.Equal(["GET /api/a ?offset", "DELETE /api/a", "A.name", "schema B"], ContractDiff.Removals(older, newer));
        Assert.Empty(ContractDiff.Removals(older, older));
    }

    /// <summary>The document without what changes from one server to the next: its address becomes the default one, its build version goes.</summary>
    private static string Normalize(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        copy["servers"] = new JsonArray(new JsonObject { ["url"] = "http://127.0.0.1:4200" });
        copy["info"]!.AsObject().Remove("x-bosun-server-version");
        // Relaxed escaping keeps backticks and quotes readable in the committed file's diffs.
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
