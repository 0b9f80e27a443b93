using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bosun.Worker;

/// <summary>
/// `--with-healthcheck`: GET /health answers 200 while the worker polls normally, 503 once its last successful poll is too
/// old; GET /metrics answers the worker's own metrics (<see cref="WorkerMetrics"/>).
/// </summary>
internal sealed class HealthCheckServer(WorkerHealth health, IOptions<WorkerOptions> options, TimeProvider timeProvider, ILogger<HealthCheckServer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var prefix = $"http://{settings.HealthCheckHost}:{settings.HealthCheckPort}/";
        using var listener = new HttpListener();
        listener.Prefixes.Add(prefix);
        listener.Start();
        Log.HealthListening(logger, prefix);
        await using var registration = stoppingToken.Register(listener.Stop).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException && stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (context.Request.Url?.AbsolutePath == "/metrics")
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(health.Metrics.Render()), stoppingToken).ConfigureAwait(false);
                context.Response.Close();
                continue;
            }

            var now = timeProvider.GetUtcNow();
            var healthy = health.IsHealthy(now, settings.HealthStaleAfter);
            var found = context.Request.Url?.AbsolutePath == "/health";
            context.Response.StatusCode = !found ? 404 : healthy ? 200 : 503;
            context.Response.ContentType = "application/json";
            var last = health.LastPoll?.ToString("O", CultureInfo.InvariantCulture) ?? "never";
            var body = !found
                ? """{"detail":"only /health and /metrics are served here"}"""
                : $$"""{"status":"{{(healthy ? "ok" : "stale")}}","last_poll":"{{last}}","stale_after_seconds":{{settings.HealthStaleAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)}}}""";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes, stoppingToken).ConfigureAwait(false);
            context.Response.Close();
        }
    }
}
