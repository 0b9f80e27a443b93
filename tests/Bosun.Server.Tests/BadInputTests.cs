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

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(configure: options => options.MaxRequestBodyBytes = 1024 * 1024);
        _http = new HttpClient { BaseAddress = _server.Server.BaseAddress };
        var document = JsonNode.Parse(await _http.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)))!;
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

    [Fact]
    public async Task EveryBodyRoute_MalformedJson_400NamingThePosition()
    {
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var problem = await SendAsync(method, Fill(path), """{"name": "x", """);
            Assert.True(problem.Status == HttpStatusCode.BadRequest, $"{method} {path}: {problem}");
            Assert.Contains("JSON", problem.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryBodyRoute_WrongJsonType_400()
    {
        foreach (var (method, path, _) in _operations.Where(o => o.HasBody))
        {
            var body = path == "/api/logs" ? """{"not": "an array"}""" : "[1, 2, 3]";
            var problem = await SendAsync(method, Fill(path), body);
            Assert.True(problem.Status == HttpStatusCode.BadRequest, $"{method} {path}: {problem}");
        }
    }

    [Fact]
    public async Task EveryRoute_UnknownResource_404OrValidationNever500()
    {
        foreach (var (method, path, hasBody) in _operations.Where(o => o.Path.Contains('{', StringComparison.Ordinal)))
        {
            var problem = await SendAsync(method, Fill(path), hasBody ? "{}" : null);
            Assert.True(problem.Status is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity, $"{method} {path}: {problem}");
            Assert.False(string.IsNullOrWhiteSpace(problem.Detail), $"{method} {path} gave no detail");
        }
    }

    [Fact]
    public async Task IdRoutes_NotAGuid_404ProblemDetails()
    {
        foreach (var (method, path, hasBody) in _operations.Where(o => o.Path.Contains("{id}", StringComparison.Ordinal)))
        {
            var problem = await SendAsync(method, path.Replace("{id}", "not-a-guid", StringComparison.Ordinal), hasBody ? "{}" : null);
            Assert.True(problem.Status == HttpStatusCode.NotFound, $"{method} {path}: {problem}");
        }
    }

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

        var problem = await SendAsync(HttpMethod.Post, "/api/logs", huge);

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

    private async Task<Problem> SendAsync(HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await _http.SendAsync(request);
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
