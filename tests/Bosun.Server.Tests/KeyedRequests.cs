using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.Server.Tests;

/// <summary>POSTs of a JSON body with an Idempotency-Key header, as a client sends a request again after a lost answer.</summary>
internal static class KeyedRequests
{
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
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
}
