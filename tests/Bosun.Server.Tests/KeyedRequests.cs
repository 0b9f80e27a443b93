using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.Server.Tests;

/// <summary>Requests of a JSON body with an Idempotency-Key header, as a client sends a request again after a lost answer.</summary>
internal static class KeyedRequests
{
    /// <summary>A request with a JSON body, and the Idempotency-Key header when <paramref name="key"/> is given.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string body, string? key = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return request;
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string body, string key)
    {
        using var request = Request(HttpMethod.Post, path, body, key);
        return await http.SendAsync(request);
    }

    /// <summary>The same, asserting that it succeeded: its status and its answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode Answer)> PostAsync(HttpClient http, string path, string body, string key)
    {
        using var answer = await SendAsync(http, path, body, key);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {(int)answer.StatusCode} {text}");
        return (answer.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>The <c>id</c> of an answer (a run, a pool, a key…).</summary>
    public static Guid Id(JsonNode answer) => Guid.Parse(answer["id"]!.GetValue<string>());
}
