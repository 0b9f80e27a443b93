using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>
/// What tracing and metrics cost in claim throughput (issue 18's benchmark: ≤ 5 %): the same claim-and-complete loop on
/// fresh servers with the feature off and on.
/// </summary>
internal static class ObservabilityCostBenchmarks
{
    /// <summary>
    /// Without tracing and with the server exporting its spans (Bosun.Server and ASP.NET Core request spans, every one
    /// sampled) by OTLP/HTTP to a sink on 127.0.0.1 that reads and drops them. Metrics are on in both.
    /// </summary>
    public static async Task<string> TracingCostAsync(int runs, int clients)
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

        var (off, on) = await MirroredAsync(
            () => ThroughputAsync(runs, clients),
            () => ThroughputAsync(runs, clients, host: host =>
            {
                host.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Urls.First();
                host.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            }));
        return $"claim-and-complete throughput, tracing off: {off:0} runs/s; tracing on (OTLP/HTTP export): {on:0} runs/s; {Ratio(on, off)}; " +
            $"the sink received {requests} OTLP requests ({bytes / 1024.0 / 1024.0:0.0} MiB); {Described(runs, clients)}";
    }

    /// <summary>
    /// With the server's metrics switched off (<c>--no-metrics</c>: no listener on its instruments) and on (the default:
    /// every claim, request and log line measured into the in-memory exporter; nothing scrapes). Tracing is off in both.
    /// </summary>
    public static async Task<string> MetricsCostAsync(int runs, int clients)
    {
        var (off, on) = await MirroredAsync(
            () => ThroughputAsync(runs, clients, options => options.DisableMetrics = true),
            () => ThroughputAsync(runs, clients));
        return $"claim-and-complete throughput, metrics off: {off:0} runs/s; metrics on: {on:0} runs/s; {Ratio(on, off)}; {Described(runs, clients)}";
    }

    /// <summary>
    /// Off, on, on, off, and the mean of each side: each server in this process runs on code the servers before it have
    /// warmed up (and the machine's load drifts), so a plain off-then-on pair favours whichever runs second (on/off
    /// 1.03–1.06 for tracing, measured that way); the mirrored order gives both sides the same average position.
    /// </summary>
    private static async Task<(double Off, double On)> MirroredAsync(Func<Task<double>> off, Func<Task<double>> on)
    {
        var first = await off();
        var second = await on();
        var third = await on();
        var fourth = await off();
        return ((first + fourth) / 2, (second + third) / 2);
    }

    private static string Ratio(double on, double off)
    {
        var cost = (1 - on / off) * 100;
        return $"on/off = {on / off:0.000} ({Math.Abs(cost):0.0} % {(cost >= 0 ? "slower" : "faster")}; means of off, on, on, off)";
    }

    private static string Described(int runs, int clients) => $"{runs} runs after {ServerBenchmarks.WarmUpRuns} warm-up runs each, {clients} clients";

    private static async Task<double> ThroughputAsync(int runs, int clients, Action<BosunServerOptions>? configure = null, Action<WebApplicationBuilder>? host = null)
    {
        await using var server = await BenchServer.StartAsync(configure, host);
        using var client = server.NewClient();
        var deployment = await ServerBenchmarks.SetUpAsync(client);
        await ServerBenchmarks.SeedScheduledAsync(server, deployment, ServerBenchmarks.WarmUpRuns + runs + clients);
        await ServerBenchmarks.ClaimAndCompleteAsync(ServerBenchmarks.WarmUpRuns, clients, _ => server.NewClient());
        var (done, elapsed) = await ServerBenchmarks.ClaimAndCompleteAsync(runs, clients, _ => server.NewClient());
        return done / elapsed.TotalSeconds;
    }
}
