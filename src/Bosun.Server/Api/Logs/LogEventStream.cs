using System.Buffers;
using Bosun.Server.Orchestration.Logs;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.Server.Api.Logs;

/// <summary>
/// A run's lines as server-sent events (<c>event: log</c>, <c>data:</c> the line as JSON, <c>id:</c> its id), written a
/// batch at a time with one flush per batch. (TypedResults.ServerSentEvents flushes after every event: a socket write
/// per line per follower.) The events come formatted (<see cref="LogEventChunk"/>): a run's followers send slices of
/// the same bytes.
/// </summary>
internal sealed class LogEventStream(IAsyncEnumerable<LogEventBatch> batches) : IResult
{
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
            foreach (var events in batch.Events)
            {
                writer.Write(events.Span);
            }

            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }
}
