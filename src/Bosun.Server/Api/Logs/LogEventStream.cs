using System.Buffers;
using Bosun.Server.Orchestration.Logs;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.Server.Api.Logs;

/// <summary>
/// A run's lines as server-sent events (<c>event: log</c>, <c>data:</c> the line as JSON, <c>id:</c> its id), written a
/// batch at a time with one flush per batch. (TypedResults.ServerSentEvents flushes after every event: a socket write
/// per line per follower.) The events come formatted (<see cref="LogEventChunk"/>): a run's followers send slices of
/// the same bytes. Once the run's log has ended, one <c>event: end</c> closes the stream; a stream that stops without it
/// (the server stopping, a connection lost) is for the client to follow again from its last id.
/// </summary>
internal sealed class LogEventStream(IAsyncEnumerable<LogEventBatch> batches, CancellationToken serverStopping) : IResult
{
    /// <summary>The last event of a log that has ended: the client stops following.</summary>
    public static ReadOnlySpan<byte> EndEvent => "event: end\ndata: {}\n\n"u8;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.Pragma = "no-cache";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.StartAsync(httpContext.RequestAborted);
        var writer = response.BodyWriter;
        // A stopping server ends its streams at once rather than holding its shutdown until they end (or its timeout):
        // followers reconnect, to this server once it is back or to another replica, after the last id they had.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, serverStopping);
        try
        {
            await foreach (var batch in batches.WithCancellation(stop.Token))
            {
                foreach (var events in batch.Events)
                {
                    writer.Write(events.Span);
                }

                await writer.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (serverStopping.IsCancellationRequested && !httpContext.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        writer.Write(EndEvent);
        await writer.FlushAsync(httpContext.RequestAborted);
    }
}
