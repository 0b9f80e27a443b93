using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Bad input on every route of the OpenAPI document: malformed JSON, wrong types, unknown resources, bad ids,
/// forbidden names and an oversized body all answer 4xx ProblemDetails that say what is wrong, never 500.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime, IDisposable
{
    private TestServer _server = null!;
    private HttpClient _http = null!;
    private List<(HttpMethod Method, string Path, bool HasBody)> _operations = [];
    private JsonNode _document = null!;

    /// <summary>Errors are ProblemDetails JSON whatever the client asks for: a browser's Accept, anything, or nothing.</summary>
    public static TheoryData<string?> AcceptHeaders() => new() { "text/html", "*/*", null };

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(configure: options => options.MaxRequestBodyBytes = 1024 * 1024);
        _http = new HttpClient { BaseAddress = _server.Server.BaseAddress };
        var document = _document = JsonNode.Parse(await _http.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)))!;
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                _operations.Add((new HttpMethod(method.ToUpperInvariant()), path, operation!["requestBody"] is not null));
            }
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public void OpenApi_ListsEveryResource()
    {
        var paths = _operations.Select(o => o.Path).ToHashSet();

        Assert.True(_operations.Count >= 40, $"only {_operations.Count} operations documented");
        foreach (var expected in new[] { "/api/health", "/api/work_pools/{name}/claim", "/api/deployments", "/api/flow_runs/{id}/set_state", "/api/logs", "/api/flow_runs/{id}/logs/follow" })
        {
            Assert.Contains(expected, paths);
        }
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryBodyRoute_MalformedJson_400NamingThePosition(string? accept)
    {
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var problem = await SendAsync(method, Fill(path), """{"name": "x", """, accept);
            Assert.True(problem.Status == HttpStatusCode.BadRequest, $"{method} {path}: {problem}");
            Assert.Contains("JSON", problem.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryBodyRoute_WrongJsonType_400(string? accept)
    {
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var body = BodySchema(method, path)?["type"]?.ToString() == "array" ? """{"not": "an array"}""" : "[1, 2, 3]";
            var problem = await SendAsync(method, Fill(path), body, accept);
            Assert.True(problem.Status == HttpStatusCode.BadRequest, $"{method} {path}: {problem}");
        }
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryBodyRoute_RequiredFieldsLeftOut_422NamingOne(string? accept)
    {
        var checkedRoutes = 0;
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var schema = BodySchema(method, path);
            var isList = schema?["type"]?.ToString() == "array";
            var item = isList ? Resolve(schema!["items"]) : schema;
            // A nullable field listed as required (a result's value) may be left out: null is what it then holds.
            var required = item?["required"]?.AsArray().Select(name => name!.ToString())
                .Where(name => !IsNullable(item!["properties"]![name])).ToList() ?? [];
            if (required.Count == 0)
            {
                continue;
            }

            var problem = await SendAsync(method, Fill(path), isList ? "[{}]" : "{}", accept);

            Assert.True(problem.Status == HttpStatusCode.UnprocessableEntity, $"{method} {path}: {problem}");
            Assert.True(required.Any(field => problem.Detail.Contains($"{(isList ? "[0]." : "")}{field}: is required", StringComparison.Ordinal)),
                $"{method} {path} requires {string.Join(", ", required)}: {problem}");
            checkedRoutes++;
        }

        Assert.True(checkedRoutes >= 20, $"only {checkedRoutes} routes with required fields");
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryRoute_UnknownResource_404OrValidationNever500(string? accept)
    {
        foreach (var (method, path, hasBody) in _operations.Where(o => o.Path.Contains('{', StringComparison.Ordinal)))
        {
            var problem = await SendAsync(method, Fill(path), hasBody ? "{}" : null, accept);
            Assert.True(problem.Status is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity, $"{method} {path}: {problem}");
            Assert.False(string.IsNullOrWhiteSpace(problem.Detail), $"{method} {path} gave no detail");
        }
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task IdRoutes_NotAGuid_404ProblemDetails(string? accept)
    {
        foreach (var (method, path, hasBody) in _operations.Where(o => o.Path.Contains("{id}", StringComparison.Ordinal)))
        {
            var problem = await SendAsync(method, path.Replace("{id}", "not-a-guid", StringComparison.Ordinal), hasBody ? "{}" : null, accept);
            Assert.True(problem.Status == HttpStatusCode.NotFound, $"{method} {path}: {problem}");
        }
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryBodyRoute_OversizedTextField_422NamingTheField(string? accept)
    {
        var checkedFields = 0;
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var schema = BodySchema(method, path);
            var isList = schema?["type"]?.ToString() == "array";
            var properties = (isList ? Resolve(schema!["items"]) : schema)?["properties"]?.AsObject() ?? [];
            foreach (var (field, property) in properties.Where(p => IsText(Resolve(p.Value))))
            {
                // The fields the body requires are there, so that the one too long is the mistake found.
                var item = RequiredFields(isList ? Resolve(schema!["items"]) : schema);
                item[field] = new string('x', 70_000);
                var body = isList ? new JsonArray(item).ToJsonString() : item.ToJsonString();

                var problem = await SendAsync(method, Fill(path), body, accept);

                Assert.True(problem.Status == HttpStatusCode.UnprocessableEntity, $"{method} {path} {field}: {problem}");
                Assert.Contains(isList ? $"[0].{field}" : field, problem.Detail, StringComparison.Ordinal);
                Assert.Contains("the limit is", problem.Detail, StringComparison.Ordinal);
                checkedFields++;
            }
        }

        Assert.True(checkedFields >= 30, $"only {checkedFields} text fields found in the document");
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task EveryPathAndQueryText_Oversized_422NamingTheParameter(string? accept)
    {
        var checkedParameters = 0;
        foreach (var (method, path, hasBody) in _operations)
        {
            foreach (var parameter in Operation(method, path)?["parameters"]?.AsArray() ?? [])
            {
                var name = parameter!["name"]!.GetValue<string>();
                if (!IsText(Resolve(parameter["schema"])) || path.Contains($"{{{name}:guid}}", StringComparison.Ordinal) || name is "id" or "scheduleId" or "keyId"
                    || parameter["in"]!.GetValue<string>() == "header")
                {
                    continue;
                }

                var huge = new string('y', 5_000);
                var target = parameter["in"]!.GetValue<string>() == "path"
                    ? Fill(path.Replace($"{{{name}}}", huge, StringComparison.Ordinal))
                    : $"{Fill(path)}?{name}={huge}";

                var problem = await SendAsync(method, target, hasBody ? "{}" : null, accept);

                Assert.True(problem.Status == HttpStatusCode.UnprocessableEntity, $"{method} {path} {name}: {problem}");
                Assert.Contains(name, problem.Detail, StringComparison.Ordinal);
                checkedParameters++;
            }
        }

        Assert.True(checkedParameters >= 10, $"only {checkedParameters} text parameters found in the document");
    }

    [Fact]
    public async Task FilterFlowRuns_SearchOf50000Characters_422NotLikePatternTooComplex()
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/flow_runs/filter", new JsonObject { ["search"] = new string('%', 50_000) }.ToJsonString());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Contains("search", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/flow_runs/{id}/set_state", """{"type": 123}""", "type")]
    [InlineData("/api/flow_runs/{id}/set_state", """{"type": 1}""", "type")]
    [InlineData("/api/flow_runs/{id}/set_state", """{"type": "1"}""", "type")]
    [InlineData("/api/deployments", """{"flow_name": "f", "name": "d", "collision_strategy": 1}""", "collision_strategy")]
    [InlineData("/api/deployments", """{"flow_name": "f", "name": "d", "catch_up": 2}""", "catch_up")]
    [InlineData("/api/api_keys", """{"name": "k", "role": 3}""", "role")]
    [InlineData("/api/logs", """[{"flow_run_id": "00000000-0000-0000-0000-000000000000", "message": "m", "level": 20}]""", "[0].level")]
    public async Task EnumAsNumber_422NamingTheFieldAndTheNames(string path, string body, string field)
    {
        var method = path == "/api/deployments" ? HttpMethod.Put : HttpMethod.Post;

        var problem = await SendAsync(method, Fill(path), body, "text/html");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.StartsWith(field, problem.Detail, StringComparison.Ordinal);
        Assert.Matches("[A-Z_a-z]+, [A-Z_a-z]+", problem.Detail);
    }

    [Theory]
    [InlineData("""{"interval_seconds": "abc"}""", "interval_seconds", "a number")]
    [InlineData("""{"interval_seconds": 0.0001}""", "interval_seconds", "at least 1 s")]
    [InlineData("""{"interval_seconds": 60, "timezone": ""}""", "timezone", "must not be empty")]
    [InlineData("""{"interval_seconds": 60, "active": "yes"}""", "active", "true or false")]
    [InlineData("""{"interval_seconds": 60, "anchor": "tomorrow"}""", "anchor", "ISO 8601")]
    public async Task AddSchedule_BadField_422NamingTheField(string body, string field, string says)
    {
        await _server.Client.PoolAsync("schedule-pool");
        var deployment = await _server.Client.DeploymentAsync("schedule-pool", name: Guid.NewGuid().ToString("N"));

        var problem = await SendAsync(HttpMethod.Post, $"/api/deployments/{deployment.Id}/schedules", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Contains(field, problem.Detail, StringComparison.Ordinal);
        Assert.Contains(says, problem.Detail, StringComparison.Ordinal);
        Assert.Empty(await _server.Client.ListSchedulesAsync(deployment.Id));
    }

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task AuthenticationErrors_AnyAccept_ProblemJson(string? accept)
    {
        await using var secured = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = secured.Server.BaseAddress };
        var admin = await secured.Client.CreateApiKeyAsync(new Contracts.Security.ApiKeyCreate("admin", Contracts.Security.ApiKeyRole.Admin));
        using var adminClient = secured.NewClient(admin.Key);
        var viewer = await adminClient.CreateApiKeyAsync(new Contracts.Security.ApiKeyCreate("viewer", Contracts.Security.ApiKeyRole.Viewer));

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "/api/work_pools", null, accept)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "/api/work_pools", null, accept, "bosun_wrong")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Get, "/api/api_keys", null, accept, viewer.Key)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, $"/api/flow_runs/{Guid.NewGuid()}", null, accept, viewer.Key)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, "/api/nowhere", null, accept, viewer.Key)).Status);
    }

    private JsonNode? Operation(HttpMethod method, string path) => _document["paths"]![path]![method.Method.ToLowerInvariant()];

    private JsonNode? BodySchema(HttpMethod method, string path) =>
        Resolve(Operation(method, path)?["requestBody"]?["content"]?["application/json"]?["schema"]);

    /// <summary>A schema with its $ref followed into components.schemas.</summary>
    private JsonNode? Resolve(JsonNode? schema) =>
        schema?["$ref"]?.GetValue<string>() is { } reference ? _document["components"]!["schemas"]![reference.Split('/')[^1]] : schema;

    /// <summary>A value for each field <paramref name="schema"/> requires: an id, a time, its first enum value, 1, true, "x", or an object with its own required fields.</summary>
    private JsonObject RequiredFields(JsonNode? schema)
    {
        var item = new JsonObject();
        foreach (var name in schema?["required"]?.AsArray().Select(n => n!.ToString()) ?? [])
        {
            var property = Resolve(schema!["properties"]![name]);
            var type = property?["type"] is JsonArray types ? types.First(t => t?.ToString() != "null")!.ToString() : property?["type"]?.ToString();
            item[name] = property?["enum"] is JsonArray values ? values.First(v => v is not null)!.DeepClone()
                : property?["format"]?.ToString() == "uuid" ? Guid.NewGuid().ToString()
                : property?["format"]?.ToString() == "date-time" ? "2026-12-05T10:00:00Z"
                : type is "integer" or "number" ? 1
                : type == "boolean" ? true
                : type == "object" || property?["properties"] is not null ? RequiredFields(property)
                : type == "array" ? new JsonArray()
                : "x";
        }

        return item;
    }

    private static bool IsNullable(JsonNode? schema) =>
        (schema?["type"] is JsonArray types && types.Any(t => t?.ToString() == "null"))
        || (schema?["oneOf"] is JsonArray options && options.Any(o => o?["type"]?.ToString() == "null"));

    private static bool IsText(JsonNode? schema) => schema?["type"] switch
    {
        JsonValue type => type.ToString() == "string" && schema["format"] is null && schema["enum"] is null,
        JsonArray types => types.Any(t => t?.ToString() == "string") && schema["format"] is null && schema["enum"] is null,
        _ => false,
    };

    [Theory]
    [InlineData("a/b")]
    [InlineData("50%")]
    [InlineData("x&y")]
    [InlineData("<pool>")]
    [InlineData("")]
    public async Task CreateWorkPool_ForbiddenName_422SaysWhichCharacters(string name)
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/work_pools", $$"""{"name": "{{name}}", "type": "process"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Contains("name", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkPool_UnknownType_422ListsTypes()
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/work_pools", """{"name": "p", "type": "ecs"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Contains("process, docker, kubernetes", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/work_pools?offset=-1", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/work_pools?limit=100000", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/work_pools?limit=many", HttpStatusCode.BadRequest)]
    [InlineData("/api/flow_runs?state=DONE", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/nowhere", HttpStatusCode.NotFound)]
    public async Task QueryAndPath_BadValues_ProblemDetails(string path, HttpStatusCode status)
    {
        var problem = await SendAsync(HttpMethod.Get, path, null);

        Assert.Equal(status, problem.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
    }

    [Fact]
    public async Task OversizedBody_413ProblemDetails()
    {
        var huge = "[" + string.Join(',', Enumerable.Repeat("""{"flow_run_id": "00000000-0000-0000-0000-000000000000", "message": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}""", 20_000)) + "]";

        // The client asks before sending a body this large (Expect: 100-continue), as HTTP/1.1 has clients do: the server
        // refuses on the announced length, before any of the body is sent, and the answer always reaches the client.
        // Sent without asking, the body races the answer: the server answers 413 and closes the connection as soon as it
        // knows the length, and a client still writing the body then gets a broken pipe instead (seen on a loaded machine).
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) }) { BaseAddress = _http.BaseAddress };

        var problem = await SendAsync(http, HttpMethod.Post, "/api/logs", huge, expectContinue: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, problem.Status);
        Assert.Contains("larger than the server accepts", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterBadInput_ServerStillServes()
    {
        await SendAsync(HttpMethod.Post, "/api/work_pools", "{{{{");

        Assert.Equal("ok", (await _server.Client.GetHealthAsync()).Status);
    }

    private static string Fill(string path) => path
        .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{scheduleId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{name}", "missing-pool", StringComparison.Ordinal)
        .Replace("{pool}", "missing-pool", StringComparison.Ordinal)
        .Replace("{queue}", "missing-queue", StringComparison.Ordinal)
        .Replace("{worker}", "missing-worker", StringComparison.Ordinal)
        .Replace("{flow}", "missing-flow", StringComparison.Ordinal)
        .Replace("{type}", "missing-type", StringComparison.Ordinal);

    private Task<Problem> SendAsync(HttpMethod method, string path, string? body, string? accept = null) => SendAsync(_http, method, path, body, accept);

    private static async Task<Problem> SendAsync(HttpClient http, HttpMethod method, string path, string? body, string? accept = null, string? apiKey = null,
        bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (expectContinue)
        {
            request.Headers.ExpectContinue = true;
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        Assert.True(response.StatusCode >= HttpStatusCode.BadRequest, $"{method} {path} accepted bad input: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>();
        return new Problem(response.StatusCode, detail ?? "", text);
    }

    private sealed record Problem(HttpStatusCode Status, string Detail, string Body)
    {
        public override string ToString() => $"{(int)Status} {Body}";
    }
}
