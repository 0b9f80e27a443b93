using System.Text.Json.Nodes;
using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>The OpenAPI document a real server serves at /api/openapi.json, read once per test class.</summary>
public sealed class LiveDocument : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public JsonObject Document { get; private set; } = null!;

    /// <summary>The document exactly as served.</summary>
    public string Text { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = Server.Server.BaseAddress };
        Text = await http.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative));
        Document = JsonNode.Parse(Text)!.AsObject();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Every operation: (path, method, operation object).</summary>
    public IEnumerable<(string Path, string Method, JsonObject Operation)> Operations() =>
        from path in Document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        select (path.Key, operation.Key, operation.Value!.AsObject());
}
