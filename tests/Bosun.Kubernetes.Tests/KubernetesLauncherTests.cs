using Bosun.Client;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Bosun.Worker.Infrastructure.Kubernetes;
using Bosun.Worker.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Kubernetes.Tests;

/// <summary>The kubernetes launcher's life: made and disposed by the runtime of a kubernetes pool, with its clusters' clients.</summary>
public sealed class KubernetesLauncherTests
{
    [Fact]
    public async Task WorkPoolRuntimeDisposed_ItsKubernetesLauncherAndClientsDisposed()
    {
        await using var server = await TestServer.StartAsync();
        var pool = await server.Client.CreateWorkPoolAsync(new WorkPoolCreate("k8s-pool", WorkPoolTypes.Kubernetes));
        var options = KubernetesTest.WorkerOptions("k8s-pool");
        await using var logs = new LogShipper(server.Client, TimeProvider.System, NullLogger<LogShipper>.Instance);
        var runtime = WorkerRuntime.ForWorkPool(server.Client, pool, options, logs, TimeProvider.System, NullLogger.Instance);
        var launcher = Assert.IsType<KubernetesInfrastructure>(runtime.Infrastructure);

        runtime.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => launcher.ListAsync(pool, CancellationToken.None));
    }
}
