using Bosun.Client;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bosun.Worker;

/// <summary>Registration of a worker in a host.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a worker for <paramref name="pool"/> (prepared by <see cref="WorkerBootstrap.PreparePoolAsync"/>) that talks
    /// to the server through <paramref name="client"/>.
    /// </summary>
    public static IServiceCollection AddBosunWorker(this IServiceCollection services, WorkerOptions options, WorkPool pool, BosunClient client)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddOptions<WorkerOptions>().Configure(target => Copy(options, target)).ValidateOnStart();
        services.AddSingleton(pool);
        services.AddSingleton(client);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<LogShipper>();
        services.AddSingleton<WorkerHealth>();
        services.AddSingleton(provider => WorkerRuntime.ForWorkPool(client, pool, provider.GetRequiredService<IOptions<WorkerOptions>>().Value,
            provider.GetRequiredService<LogShipper>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("Bosun.Worker"), provider.GetRequiredService<WorkerHealth>().RecordPoll,
            provider.GetRequiredService<WorkerHealth>().Metrics));
        services.AddHostedService<BosunWorker>();
        WorkerTracing.AddOtlpTracing(services);
        if (options.WithHealthCheck)
        {
            services.AddHostedService<HealthCheckServer>();
        }

        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainGracePeriod + options.StopGracePeriod + TimeSpan.FromSeconds(15));
        return services;
    }

    private static void Copy(WorkerOptions from, WorkerOptions to)
    {
        foreach (var property in typeof(WorkerOptions).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(to, property.GetValue(from));
        }

        foreach (var queue in from.WorkQueues)
        {
            to.WorkQueues.Add(queue);
        }
    }
}
