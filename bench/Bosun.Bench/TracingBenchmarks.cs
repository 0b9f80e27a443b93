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

        Action<WebApplicationBuilder> tracing = host =>
        {
            host.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Urls.First();
            host.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        };
        // Off, on, on, off: each server in this process runs on code the servers before it have warmed up (and the
        // machine's load drifts), so a plain off-then-on pair favours whichever runs second; the mirrored order gives
        // both sides the same average position.
        var off = await ThroughputAsync(null, runs, clients);
        var on = await ThroughputAsync(tracing, runs, clients);
        on = (on + await ThroughputAsync(tracing, runs, clients)) / 2;
        off = (off + await ThroughputAsync(null, runs, clients)) / 2;
        var cost = (1 - on / off) * 100;
        return $"claim-and-complete throughput (off, on, on, off; means), tracing off: {off:0} runs/s; tracing on (OTLP/HTTP export): {on:0} runs/s; " +
            $"on/off = {on / off:0.000} ({Math.Abs(cost):0.0} % {(cost >= 0 ? "slower" : "faster")}); the sink received {requests} OTLP requests ({bytes / 1024.0 / 1024.0:0.0} MiB); " +
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
