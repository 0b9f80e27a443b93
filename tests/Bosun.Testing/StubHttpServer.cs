using System.Net;
using System.Net.Sockets;
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
        var port = FreePort();
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

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
                continue;
            }

            var found = _responses.TryGetValue(path, out var body);
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? """{"message":"Not Found"}""");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        // Closing the listener ends the loop's pending GetContextAsync.
        _listener.Stop();
        _listener.Close();
    }
}
