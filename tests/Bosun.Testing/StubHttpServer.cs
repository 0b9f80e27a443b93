using System.Net;
using System.Text;

namespace Bosun.Testing;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 answering fixed JSON (or, with <see cref="Files"/>, fixed bytes) per path: a stand-in
/// for an outside API (GitHub) or an artifact server in tests.
/// </summary>
public sealed class StubHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, string> _responses;

    public StubHttpServer(Dictionary<string, string> responses)
    {
        _responses = responses;
        var port = StablePorts.Next();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Binary answers (application/octet-stream) by path, served before the JSON ones: artifacts to download.</summary>
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths requested so far.</summary>
    public List<string> Requests { get; } = [];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            // Each request answered on its own: a client that is slow, or leaves mid-answer, holds up or ends no other.
            _ = Task.Run(() => AnswerAsync(context), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            var path = context.Request.Url!.AbsolutePath;
            lock (Requests)
            {
                Requests.Add(path);
            }

            if (Files.TryGetValue(path, out var file))
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Response.OutputStream.WriteAsync(file);
                context.Response.Close();
                return;
            }

            var found = _responses.TryGetValue(path, out var body);
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? """{"message":"Not Found"}""");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            // Whatever went wrong, this request ends here and the next is served: the client went away mid-answer (a flow
            // cancelled while it polled), or the test changed the answers while this request read them. Before, such an
            // exception ended the server's only loop; every later request was accepted and never answered, and a flow
            // polling the server (wget has no timeout) waited forever.
            context.Response.Abort();
        }
    }

    public void Dispose()
    {
        // Closing the listener ends the loop's pending GetContextAsync.
        _listener.Stop();
        _listener.Close();
    }
}
