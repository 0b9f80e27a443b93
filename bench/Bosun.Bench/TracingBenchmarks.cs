using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>The cost of tracing on claim throughput (issue 18's benchmark): the same claim-and-complete loop without and with OTLP export.</summary>
internal static class TracingBenchmarks
{
    /// <summary>
    /// `claim-throughput` twice on fresh servers: without tracing, then with the server exporting its spans (Bosun.Server and
    /// ASP.NET Core request spans, every one sampled) by OTLP/HTTP to a sink on 127.0.0.1 that reads and drops them. The
    /// server's metrics are on in both (they cannot be switched off). Runs/s of each, and their ratio.
    /// </summary>
    public static async Task<string> ClaimThroughputCostAsync(int runs, int clients)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var sink = builder.Build();
        long requests = 0;
        long bytes = 0;
        sink.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Interlocked.Increment(ref requests);
            Interlocked.Add(ref bytes, body.Length);
            return Results.Bytes([], "application/x-protobuf");
        });
        await sink.StartAsync();

        var off = await ThroughputAsync(null, runs, clients);
        var on = await ThroughputAsync(host =>
        {
            host.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Urls.First();
            host.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        }, runs, clients);
        return $"claim-and-complete throughput, tracing off: {off:0} runs/s; tracing on (OTLP/HTTP export): {on:0} runs/s; " +
            $"on/off = {on / off:0.000} ({(1 - on / off) * 100:0.0} % slower); the sink received {requests} OTLP requests ({bytes / 1024.0 / 1024.0:0.0} MiB); " +
            $"{runs} runs after {ServerBenchmarks.WarmUpRuns} warm-up runs each, {clients} clients";
    }

    private static async Task<double> ThroughputAsync(Action<WebApplicationBuilder>? host, int runs, int clients)
    {
        await using var server = await BenchServer.StartAsync(host: host);
        using var client = server.NewClient();
        var deployment = await ServerBenchmarks.SetUpAsync(client);
        await ServerBenchmarks.SeedScheduledAsync(server, deployment, ServerBenchmarks.WarmUpRuns + runs + clients);
        await ServerBenchmarks.ClaimAndCompleteAsync(ServerBenchmarks.WarmUpRuns, clients, _ => server.NewClient());
        var (done, elapsed) = await ServerBenchmarks.ClaimAndCompleteAsync(runs, clients, _ => server.NewClient());
        return done / elapsed.TotalSeconds;
    }
}
