using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using Bosun.Client;

namespace Bosun.Contract.Tests;

/// <summary>
/// Bosun.Client against the same document outside clients use: every public method of <see cref="BosunClient"/> is called
/// against a live server with every field of its arguments filled, and each request it sends must be a documented route
/// and method, with documented query parameters and a body the route's schema describes (no unknown field, every required
/// one); what each method reads back must be fields the route's answer schema has.
/// </summary>
public sealed class CSharpClientTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    [Fact]
    public async Task BosunClient_EveryMethod_CallsADocumentedRouteWithDocumentedShapes()
    {
        var methods = typeof(BosunClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal)).ToList();

        var problems = await CheckMethodsAsync(live.Document, methods);

        Assert.True(methods.Count >= 50, $"only {methods.Count} client methods found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task BosunClient_RouteOrFieldMissingFromDocument_Reported()
    {
        var document = live.Document.DeepClone().AsObject();
        document["paths"]!.AsObject().Remove("/api/health");
        document["components"]!["schemas"]!["WorkPoolCreate"]!["properties"]!.AsObject().Remove("description");
        document["components"]!["schemas"]!["WorkPool"]!["properties"]!.AsObject().Remove("status");
        var methods = new[] { nameof(BosunClient.GetHealthAsync), nameof(BosunClient.CreateWorkPoolAsync) }.Select(name => typeof(BosunClient).GetMethod(name)!).ToList();

        var problems = await CheckMethodsAsync(document, methods);

        Assert.Contains(problems, p => p.StartsWith("GetHealthAsync: GET /api/health is not in the document", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("body has the field 'description', which the schema does not", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("answer reads 'status', which the answer's schema does not have", StringComparison.Ordinal));
    }

    private async Task<List<string>> CheckMethodsAsync(JsonObject document, IReadOnlyList<MethodInfo> methods)
    {
        var contract = new ClientContract(document);
        var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        using var client = new BosunClient(http, new BosunClientOptions { ApiUrl = live.Server.ApiUrl, MaxAttempts = 1 });
        var problems = new List<string>();

        foreach (var method in methods)
        {
            var before = handler.Requests.Count;
            await CallAsync(client, method);
            var requests = handler.Requests.Skip(before).ToList();
            if (requests.Count == 0)
            {
                problems.Add($"{method.Name} sent no request");
            }

            foreach (var request in requests)
            {
                problems.AddRange(contract.Check(method, request));
            }
        }

        Assert.NotEmpty(methods);
        return problems;
    }

    private static async Task CallAsync(BosunClient client, MethodInfo method)
    {
        var arguments = method.GetParameters().Select(p => p.HasDefaultValue && p.ParameterType == typeof(CancellationToken) ? CancellationToken.None : Samples.Create(p.ParameterType, p.Name)).ToArray();
        try
        {
            switch (method.Invoke(client, arguments))
            {
                case Task task:
                    await task;
                    break;
                case IAsyncEnumerable<Contracts.Logs.LogEntry> lines:
                    await foreach (var _ in lines)
                    {
                    }

                    break;
                default:
                    throw new InvalidOperationException($"{method.Name} returns neither a task nor a stream.");
            }
        }
        catch (BosunApiException)
        {
            // The server refused the sample (an unknown id, a bad value): the request was still sent and recorded.
        }
    }

    /// <summary>Records each request the client sends, then sends it to the server.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => Uri.UnescapeDataString(pair.Split('=')[0])).ToList();
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Enqueue(new RecordedRequest(request.Method.Method, uri.AbsolutePath, query, body));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
