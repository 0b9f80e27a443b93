using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.Server.Api.Logs;

/// <summary>
/// A run's lines as server-sent events (<c>event: log</c>, <c>data:</c> the line as JSON, <c>id:</c> its id), written a
/// batch at a time with one flush per batch. (TypedResults.ServerSentEvents flushes after every event: a socket write
/// per line per follower.) A line's event is formatted once however many followers send it: the followers of a run get
/// the same line objects from its feed.
/// </summary>
internal sealed class LogEventStream(IAsyncEnumerable<IReadOnlyList<LogEntry>> batches) : IResult
{
    private static readonly ConditionalWeakTable<LogEntry, byte[]> Formatted = [];

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.Pragma = "no-cache";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.StartAsync(httpContext.RequestAborted);
        var writer = response.BodyWriter;
        await foreach (var batch in batches.WithCancellation(httpContext.RequestAborted))
        {
            foreach (var line in batch)
            {
                writer.Write(Formatted.GetValue(line, Format));
            }

            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }

    private static byte[] Format(LogEntry line)
    {
        // The JSON has no line breaks (they are escaped), so it is one data: field.
        var json = JsonSerializer.Serialize(line, BosunJsonContext.Default.LogEntry);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"event: log\ndata: {json}\nid: {line.Id}\n\n"));
    }
}
