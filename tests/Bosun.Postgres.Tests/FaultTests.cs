using System.Net;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Bosun.Postgres.Tests;

/// <summary>The database away: at start-up, and restarted under a running server.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task DatabaseUnreachableAtStart_OneLineNamingHostAndPortAndNonZeroExit()
    {
        var port = StablePorts.Next();
        await using var server = ChildProcess.StartCli(["server", "start", "--port", "0", "--database", $"postgresql://bosun:x@127.0.0.1:{port}/bosun"]);

        Assert.Equal(1, await server.WaitForExitAsync());
        var error = Assert.Single(server.Output, l => l.StartsWith("Error:", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DatabaseRestarted_RequestsGet503ThenEverythingRecovers()
    {
        if (!PostgresRequired.PrivateCluster())
        {
            return;
        }

        await using var cluster = await PrivatePostgresCluster.StartAsync();
        var server = BosunServer.Create(
            new BosunServerOptions { Host = "127.0.0.1", Port = 0, Database = cluster.ConnectionString, ServiceInterval = TimeSpan.FromMilliseconds(200) },
            builder => builder.Logging.SetMinimumLevel(LogLevel.Critical));
        await server.StartAsync();
        await using var disposeServer = server;
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiAddress, MaxAttempts = 1 });
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var before = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        await cluster.StopServerAsync();
        var problem = await Assert.ThrowsAsync<BosunApiException>(() => client.ListFlowRunsAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.StatusCode);
        Assert.Contains("database", problem.Message, StringComparison.OrdinalIgnoreCase);
        await cluster.StartServerAsync();

        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                return (await client.GetFlowRunAsync(before.Id)).Id == before.Id;
            }
            catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return false;
            }
        }, "the API answers again, with the run acknowledged before the restart");

        using var worker = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiAddress, MaxAttempts = 1 });
        Assert.Equal(before.Id, Assert.Single((await worker.ClaimFlowRunsAsync("p", new ClaimRequest("w", 5))).Runs).FlowRun.Id);
        var waiting = worker.ClaimFlowRunsAsync("p", new ClaimRequest("w", 5, WaitSeconds: 30));
        var after = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(after.Id, Assert.Single((await waiting).Runs).FlowRun.Id);
        var overdue = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(-1)));
        await Eventually.ValueAsync(() => client.GetFlowRunAsync(overdue.Id), r => r.State.Name == StateNames.Late, "the background services work again");
    }
}
