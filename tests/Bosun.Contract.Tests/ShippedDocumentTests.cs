using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// The API only grows: the document shipped in docs/api/openapi.json is compared with the live one, and every breaking
/// change (<see cref="ContractDiff"/>) must be listed in docs/api/deprecations.json, as must every deprecated operation
/// with its sunset (docs/api.md has the policy). BOSUN_UPDATE_SHIPPED_OPENAPI=1 rewrites the shipped document from the live one after that check.
/// </summary>
public sealed class ShippedDocumentTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    private static readonly string ApiDocs = Path.Combine(RepoPaths.Root, "docs", "api");

    [Fact]
    public async Task LiveDocument_AgainstShipped_BreaksNothingWithoutADeprecationEntry()
    {
        var shippedPath = Path.Combine(ApiDocs, "openapi.json");
        var shipped = JsonNode.Parse(await File.ReadAllTextAsync(shippedPath))!.AsObject();
        var allowed = (await EntriesAsync("breaking")).Select(entry => entry["item"]!.GetValue<string>()).ToHashSet();

        var undeclared = ContractDiff.Breaking(shipped, live.Document).Where(item => !allowed.Contains(item)).ToList();

        Assert.True(undeclared.Count == 0,
            "Breaking changes without an entry in docs/api/deprecations.json (see the policy in docs/api.md): " + string.Join(", ", undeclared));
        if (Environment.GetEnvironmentVariable("BOSUN_UPDATE_SHIPPED_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(shippedPath, Normalize(live.Document));
        }
    }

    [Fact]
    public async Task DeprecatedOperations_LiveDocument_EachListedWithItsSunsetAndNoOther()
    {
        var entries = await EntriesAsync("deprecated");
        var deprecated = live.Operations().Where(o => o.Operation["deprecated"]?.GetValue<bool>() == true)
            .Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal(deprecated, entries.Select(entry => entry["item"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(entries, entry =>
        {
            Assert.Matches(@"^\d+\.\d+$", entry["deprecated_in"]!.GetValue<string>());
            Assert.Matches(@"^\d+\.0$", entry["removed_in"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(entry["note"]?.GetValue<string>()));
        });
        Assert.All(live.Operations().Where(o => o.Operation["deprecated"]?.GetValue<bool>() == true),
            o => Assert.Contains("Sunset: removed in API 2.0", o.Operation["description"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("operation removed", """{"paths": {"/api/a": {"get": null}}}""", "GET /api/a")]
    [InlineData("parameter removed", """{"paths": {"/api/a": {"get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}]}}}}""", "GET /api/a ?offset")]
    [InlineData("parameter required", """{"paths": {"/api/a": {"get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "offset", "in": "query", "required": true, "schema": {"type": "integer", "format": "int32"}}]}}}}""", "GET /api/a ?offset required")]
    [InlineData("new required parameter", """{"paths": {"/api/a": {"get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}}]}}}}""", "GET /api/a ?tenant required")]
    [InlineData("parameter type", """{"paths": {"/api/a": {"get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "string"}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "format": "int32"}}]}}}}""", "GET /api/a ?limit type")]
    [InlineData("property format", """{"components": {"schemas": {"A": {"properties": {"id": {"format": null}}}}}}""", "A.id type")]
    [InlineData("property type", """{"components": {"schemas": {"A": {"properties": {"at": {"type": "integer", "format": "int64"}}}}}}""", "A.at type")]
    [InlineData("property removed", """{"components": {"schemas": {"A": {"properties": {"at": null}}}}}""", "A.at")]
    [InlineData("request property required", """{"components": {"schemas": {"A": {"required": ["id", "at"]}}}}""", "A.at required")]
    [InlineData("schema removed", """{"components": {"schemas": {"A": null}}}""", "schema A")]
    [InlineData("enum value removed", """{"components": {"schemas": {"Kind": {"type": "string", "enum": ["ONE"]}}}}""", "Kind enum TWO")]
    [InlineData("response status removed", """{"paths": {"/api/a": {"get": {"responses": {"404": null}}}}}""", "GET /api/a 404")]
    [InlineData("response content type removed", """{"paths": {"/api/a": {"get": {"responses": {"404": {"content": {"application/problem+json": null}}}}}}}""", "GET /api/a 404 application/problem+json")]
    [InlineData("security narrowed", """{"paths": {"/api/a": {"get": {"security": [{"bearer": ["admin"]}]}}}}""", "GET /api/a security")]
    [InlineData("anonymous route needs a key", """{"paths": {"/api/b": {"post": {"security": [{"bearer": ["read"]}]}}}}""", "POST /api/b security")]
    public void Breaking_EachKindOfChange_NamedAndCaught(string change, string patch, string expected)
    {
        var newer = Patched(patch);

        var breaking = ContractDiff.Breaking(Older(), newer);

        Assert.True(breaking.SequenceEqual([expected]), $"{change}: expected [{expected}], found [{string.Join(", ", breaking)}]");
    }

    [Theory]
    [InlineData("route added", """{"paths": {"/api/new": {"get": {}}}}""")]
    [InlineData("optional parameter added", """{"paths": {"/api/a": {"get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "cursor", "in": "query", "schema": {"type": "string"}}]}}}}""")]
    [InlineData("optional request property added", """{"components": {"schemas": {"A": {"properties": {"note": {"type": "string"}}}}}}""")]
    [InlineData("response property added and required", """{"components": {"schemas": {"R": {"properties": {"extra": {"type": "string"}}, "required": ["id", "extra"]}}}}""")]
    [InlineData("enum value added", """{"components": {"schemas": {"Kind": {"type": "string", "enum": ["ONE", "TWO", "THREE"]}}}}""")]
    [InlineData("response status added", """{"paths": {"/api/a": {"get": {"responses": {"409": {"content": {"application/problem+json": {}}}}}}}}""")]
    [InlineData("security widened", """{"paths": {"/api/a": {"get": {"security": [{"bearer": ["read"]}, {"bearer": ["work"]}]}}}}""")]
    [InlineData("schema added", """{"components": {"schemas": {"New": {"type": "object"}}}}""")]
    public void Breaking_AdditiveChange_NothingListed(string change, string patch)
    {
        Assert.True(ContractDiff.Breaking(Older(), Patched(patch)) is [], change);
        Assert.Empty(ContractDiff.Breaking(Older(), Older()));
    }

    /// <summary>
    /// A small document: GET /api/a (limit, offset; 200 JSON, 404 problem; read key), POST /api/b (anonymous, body A), a request
    /// schema A, a response schema R and an enum Kind.
    /// </summary>
    private static JsonObject Older() => JsonNode.Parse("""
        {"paths": {
           "/api/a": {"get": {
             "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "format": "int32"}}],
             "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}}, "404": {"content": {"application/problem+json": {}}}},
             "security": [{"bearer": ["read"]}]}},
           "/api/b": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}, "security": [{}]}}},
         "components": {"schemas": {
           "A": {"properties": {"id": {"type": "string", "format": "uuid"}, "at": {"type": "string", "format": "date-time"}}, "required": ["id"]},
           "R": {"properties": {"id": {"type": "string"}}, "required": ["id"]},
           "Kind": {"type": "string", "enum": ["ONE", "TWO"]}}}}
        """)!.AsObject();

    /// <summary>The small document with a JSON merge patch (RFC 7386) applied: objects merge, null removes, anything else replaces.</summary>
    private static JsonObject Patched(string patch)
    {
        static void Merge(JsonObject target, JsonObject changes)
        {
            foreach (var (key, value) in changes.ToList())
            {
                if (value is null)
                {
                    target.Remove(key);
                }
                else if (value is JsonObject nested && target[key] is JsonObject existing)
                {
                    Merge(existing, nested);
                }
                else
                {
                    target[key] = value.DeepClone();
                }
            }
        }

        var document = Older();
        Merge(document, JsonNode.Parse(patch)!.AsObject());
        return document;
    }

    private static async Task<List<JsonObject>> EntriesAsync(string list) =>
        [.. JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ApiDocs, "deprecations.json")))![list]!.AsArray().Select(entry => entry!.AsObject())];

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
