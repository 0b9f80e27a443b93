using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.States;
using Bosun.Server.Api.OpenApi;
using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// The document describes every operation fully, so that a route added later without a summary, a description, a
/// security requirement or its error answers fails here (the transformer derives the last two; the first two are written
/// by hand on the route).
/// </summary>
public sealed class OpenApiDocumentTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    private static readonly string[] Described = ["operationId", "summary", "description"];

    [Fact]
    public void EveryOperation_LiveDocument_HasOperationIdSummaryDescriptionAndTag()
    {
        var missing = live.Operations()
            .Where(o => Described.Any(field => string.IsNullOrWhiteSpace(o.Operation[field]?.GetValue<string>()))
                || o.Operation["tags"] is not JsonArray { Count: > 0 })
            .Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}")
            .ToList();

        Assert.True(live.Operations().Count() >= 60, "the document lists fewer operations than the server has");
        Assert.True(missing.Count == 0, "operations without operationId, summary (.WithSummary), description (.WithDescription) or tag: " + string.Join(", ", missing));
    }

    [Fact]
    public void Schemas_LiveDocument_EachDescribedRequestBodiesAndMainResourcesWithAnExample()
    {
        var schemas = live.Document["components"]!["schemas"]!.AsObject();
        var undescribed = schemas.Where(s => string.IsNullOrWhiteSpace(s.Value!["description"]?.GetValue<string>())).Select(s => s.Key).ToList();
        var requestBodies = live.Operations()
            .SelectMany(o => o.Operation["requestBody"]?["content"]?.AsObject().Select(c => c.Value!["schema"]) ?? [])
            .Select(schema => (schema?["items"] ?? schema)?["$ref"]?.GetValue<string>())
            .OfType<string>()
            .Select(reference => reference[(reference.LastIndexOf('/') + 1)..])
            .ToHashSet();
        string[] mainResources = ["WorkPool", "WorkQueue", "Worker", "Deployment", "FlowRun", "FlowRunState", "TaskRun", "LogEntry", "ApiKey", "SecretInfo"];
        var withoutExample = requestBodies.Concat(mainResources)
            .Where(name => schemas[name]?["examples"] is not JsonArray { Count: > 0 } && schemas[name]?["example"] is null)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(requestBodies.Count >= 25, "the document has fewer request bodies than the server takes");
        Assert.True(undescribed.Count == 0, "component schemas without a description: " + string.Join(", ", undescribed));
        Assert.True(withoutExample.Count == 0, "request-body or main resource schemas without an example (src/Bosun.Server/Api/OpenApi/SchemaExamples.cs): "
            + string.Join(", ", withoutExample));
    }

    [Fact]
    public void EveryOperation_LiveDocument_DeclaresA4xxProblemDetailsAnswer()
    {
        foreach (var (path, method, operation) in live.Operations())
        {
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.Any(r => r.Key.StartsWith('4')), $"{method.ToUpperInvariant()} {path} declares no 4xx answer");
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                var schema = response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
                Assert.True(schema == "#/components/schemas/ProblemDetails", $"{method.ToUpperInvariant()} {path} {status} is not a ProblemDetails answer");
            }
        }
    }

    [Fact]
    public void EveryOperation_LiveDocument_SecurityMatchesItsPermissions()
    {
        Assert.Equal("http", live.Document["components"]!["securitySchemes"]!["bearer"]!["type"]!.GetValue<string>());
        foreach (var (path, method, operation) in live.Operations())
        {
            var permissions = operation["x-bosun-permissions"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
            var security = operation["security"]!.AsArray().Select(r => r!.AsObject()).ToList();
            if (permissions.Contains("anonymous"))
            {
                Assert.True(security is [{ Count: 0 }], $"{method.ToUpperInvariant()} {path} needs no key, so its security is [{{}}]");
                Assert.DoesNotContain("401", operation["responses"]!.AsObject().Select(r => r.Key));
            }
            else
            {
                var roles = security.Select(r => r["bearer"]!.AsArray().Single()!.GetValue<string>()).ToList();
                Assert.True(roles.SequenceEqual(permissions), $"{method.ToUpperInvariant()} {path}: security {string.Join("|", roles)}, permissions {string.Join("|", permissions)}");
                Assert.Contains("401", operation["responses"]!.AsObject().Select(r => r.Key));
                Assert.Contains("403", operation["responses"]!.AsObject().Select(r => r.Key));
            }
        }
    }

    [Fact]
    public void EveryTag_LiveDocument_HasADescription()
    {
        var used = live.Operations().SelectMany(o => o.Operation["tags"]!.AsArray().Select(t => t!.GetValue<string>())).ToHashSet();
        var described = live.Document["tags"]!.AsArray()
            .Where(t => !string.IsNullOrWhiteSpace(t!["description"]?.GetValue<string>()))
            .Select(t => t!["name"]!.GetValue<string>())
            .ToHashSet();

        Assert.Empty(used.Except(described));
    }

    [Fact]
    public void ContractEnums_LiveDocument_ListedByNameAsStrings()
    {
        var schema = live.Document["components"]!["schemas"]!["StateType"]!;

        Assert.Equal("string", schema["type"]!.GetValue<string>());
        Assert.Equal(EnumNames.All<StateType>(), schema["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Versions_LiveDocument_ApiVersionInInfoServerVersionBeside()
    {
        Assert.Equal(ApiVersion.Current, live.Document["info"]!["version"]!.GetValue<string>());
        Assert.Equal(Bosun.Server.BosunServer.Version, live.Document["info"]!["x-bosun-server-version"]!.GetValue<string>());
        Assert.Equal("Apache-2.0", live.Document["info"]!["license"]!["identifier"]!.GetValue<string>());
    }

    [Fact]
    public async Task Answers_SuccessAndError_CarryTheApiVersionHeader()
    {
        using var http = new HttpClient { BaseAddress = live.Server.Server.BaseAddress };

        using var ok = await http.GetAsync(new Uri("api/health", UriKind.Relative));
        using var error = await http.GetAsync(new Uri("api/work_pools/no-such-pool", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal(ApiVersion.Current, ok.Headers.GetValues(ApiVersion.HeaderName).Single());
        Assert.Equal(ApiVersion.Current, error.Headers.GetValues(ApiVersion.HeaderName).Single());
    }

    [Theory]
    [InlineData("api/work_pools/no-such-pool", HttpStatusCode.NotFound, "urn:bosun:problem:not-found")]
    [InlineData("api/flow_runs?limit=0", HttpStatusCode.UnprocessableEntity, "urn:bosun:problem:validation")]
    [InlineData("api/flow_runs?limit=abc", HttpStatusCode.BadRequest, "urn:bosun:problem:bad-request")]
    [InlineData("api/no/such/route", HttpStatusCode.NotFound, "urn:bosun:problem:not-found")]
    public async Task ErrorAnswer_EachKind_CarriesItsStableTypeUri(string path, HttpStatusCode status, string type)
    {
        using var http = new HttpClient { BaseAddress = live.Server.Server.BaseAddress };

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(type, problem["type"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Health_QueryValueOverTheLimit_422AsTheDocumentDeclares()
    {
        using var http = new HttpClient { BaseAddress = live.Server.Server.BaseAddress };
        var declared = live.Document["paths"]!["/api/health"]!["get"]!["responses"]!.AsObject().Select(r => r.Key);

        using var response = await http.GetAsync(new Uri("api/health?x=" + new string('a', 501), UriKind.Relative));

        Assert.Contains("422", declared);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public void ProblemTypes_DocsApi_ListsEveryTypeUri()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "api.md"));

        var unlisted = ProblemTypes.ByStatus.Keys.Select(ProblemTypes.Of).Where(type => !docs.Contains($"`{type}`", StringComparison.Ordinal)).ToList();

        Assert.True(unlisted.Count == 0, "docs/api.md does not list " + string.Join(", ", unlisted));
    }
}
