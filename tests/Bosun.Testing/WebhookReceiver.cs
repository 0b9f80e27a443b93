using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.Testing;

/// <summary>
/// A webhook receiver on 127.0.0.1 (a free port) that records every POST (headers and JSON body) and answers as
/// <see cref="Reply"/> says for the n-th request (0-based): a status code, or <see cref="Hang"/> to never answer until disposed.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    /// <summary>A reply that never comes: the request hangs until the receiver is disposed.</summary>
    public const int Hang = -1;

    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ReceivedWebhook> _received = [];

    public WebhookReceiver(Func<int, int>? reply = null)
    {
        Reply = reply ?? (_ => 200);
        BaseUrl = $"http://127.0.0.1:{StablePorts.Next()}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>The status to answer the n-th request with (0-based), or <see cref="Hang"/>.</summary>
    public Func<int, int> Reply { get; }

    /// <summary>A copy of what was received so far, in order of arrival.</summary>
    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToList();
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (generous deadline for a loaded machine).</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received.Count >= count), $"{count} webhook requests arrived", timeout);
        return Received;
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
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        int index;
        lock (_received)
        {
            index = _received.Count;
            _received.Add(new ReceivedWebhook(context.Request.Url!.AbsolutePath, context.Request.Headers["Idempotency-Key"], context.Request.Headers["X-Bosun-Event"],
                JsonNode.Parse(text) as JsonObject ?? [], TimeProvider.System.GetUtcNow()));
        }

        var status = Reply(index);
        try
        {
            if (status == Hang)
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }

            context.Response.StatusCode = status;
            context.Response.Close();
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
            // Disposed while hanging, or the client gave up.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        _listener.Close();
        _stopping.Dispose();
    }
}
