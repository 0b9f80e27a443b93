using System.Diagnostics;
using System.Net;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bosun.Server.Tests;

/// <summary>
/// A stopping server ends what would otherwise hold its shutdown until the host's timeout: a log follow of a running run
/// (which then stops without its end event, so the client follows on once the server is back) and a long-polling claim
/// (answered 503 with Retry-After, which a worker retries like any outage, rather than polling again at once). The host's shutdown timeout is set far above the test's deadline,
/// so a server that waited for them fails the test rather than passing slowly.
/// </summary>
public sealed class ServerStopTests
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StopServer_AFollowerOfARunningRunAndAWaitingClaim_BothEndedAtOnceAndTheServerStops()
    {
        await using var server = await TestServer.StartAsync(
            configure: options => options.MaxClaimWait = TimeSpan.FromMinutes(10),
            services: services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment);
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.WriteLogsAsync([new LogCreate(run.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "running", LogSource.Flow)]);

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var stream = await http.GetStreamAsync(new Uri(server.ApiUrl, $"flow_runs/{run.Id}/logs/follow"));
        using var reader = new StreamReader(stream);
        Assert.Equal("event: log", await reader.ReadLineAsync());
        var rest = reader.ReadToEndAsync();
        using var waiter = server.NewClient();
        var claim = waiter.ClaimFlowRunsAsync("p", new ClaimRequest("waiting-worker", WaitSeconds: 600));
        // The claim is waiting once the server has recorded its poll.
        await Eventually.WaitUntilAsync(async () => (await client.ListWorkersAsync("p")).Any(worker => worker.Name == "waiting-worker"), "the claim is long-polling");

        var stopping = Stopwatch.StartNew();
        await server.StopAsync().WaitAsync(StopDeadline);

        var refused = await Assert.ThrowsAsync<BosunApiException>(() => claim.WaitAsync(StopDeadline));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var events = await rest.WaitAsync(StopDeadline);
        Assert.Contains("\"message\":\"running\"", events, StringComparison.Ordinal);
        Assert.DoesNotContain("event: end", events, StringComparison.Ordinal);
        Assert.True(stopping.Elapsed < StopDeadline, $"stopped after {stopping.Elapsed}");
    }

    [Fact]
    public async Task FollowLogs_RunEnded_TheStreamClosesWithTheEndEvent()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.WriteLogsAsync([new LogCreate(run.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "only line", LogSource.Flow)]);
        await client.CancelFlowRunAsync(run.Id);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var events = await http.GetStringAsync(new Uri(server.ApiUrl, $"flow_runs/{run.Id}/logs/follow"));

        Assert.Contains("\"message\":\"only line\"", events, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: {}\n\n", events, StringComparison.Ordinal);
    }
}
